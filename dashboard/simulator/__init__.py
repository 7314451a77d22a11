"""``baucu simulate``: an election day played against a running server over real HTTP.

Simulated commune operators log in with their own accounts and report turnout window by
window, as the server's clock opens each window, then enter the tally sheets and ask to
close entry. Half go through the entry forms' Dash callbacks exactly as the browser sends
them (session cookie, CSRF header, ``POST /_dash-update-component``), the rest through the
JSON API with a bearer token. A province desk grants late communes an exception and
confirms the closure requests through the real page callbacks. Every request is timed;
the final report says what was saved, refused and corrected, and what went wrong.

Modules: ``transport`` (one timed request), ``session`` (the browser's HTTP and the Dash
callbacks it declares), ``api`` (API v1 client), ``pages`` (the entry pages' callbacks),
``channels`` (form or API behind one interface), ``figures`` (what the polling teams
report), ``clock`` (the server's clock), ``shared`` (what a run shares, each commune's
plan), ``operators`` (one commune operator), ``desk`` (the province desk), ``ledger``
(what was saved, read back at the end), ``stats`` (counters and latencies), ``day`` (the
orchestration: ``run_day(DayConfig(...))``), ``provision`` (accounts), ``cli``.
"""

PATHS = ("form", "api", "both")  # how operators enter: entry forms, API, or half each
