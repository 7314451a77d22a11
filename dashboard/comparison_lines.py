"""The earlier election on the turnout-per-window lines: one dashed trace at the same scope.

Points sit at the current election's windows with the same key (``0900``, ``1100`` …);
windows the earlier election did not have, or had no report for, stay empty. The whole
earlier curve shows from the start of the day: it is the yardstick the current one is
read against.
"""

from __future__ import annotations

from typing import Any

from auth.i18n import current_lang, tr
from dashboard import figures
from data.enums import WindowKind
from data.numbers import format_int, format_percent
from data.read_models.comparison import EarlierTurnout
from data.read_models.dashboard import CommandCentre

EARLIER_COLOUR = "#757575"
EARLIER_COLOUR_DARK = "#bdbdbd"


def earlier_label(earlier: EarlierTurnout) -> str:
    return tr("Cuộc bầu cử trước: {n}", "Earlier election: {n}").format(n=earlier.election.name)


def earlier_trace(
    cc: CommandCentre, earlier: EarlierTurnout, *, dark: bool = False
) -> dict[str, Any] | None:
    """The dashed trace, or None when no window key is shared."""
    lang = current_lang()
    x, ys, texts = [], [], []
    for i, w in enumerate(cc.windows):
        if w.kind != WindowKind.TURNOUT:
            continue
        x.append(figures.window_label(cc, i))
        then = earlier.window(w.key)
        if then is not None and then.reported == 0:
            then = None  # a window nobody reported then: no point rather than a false 0 %
        ys.append(float(then.turnout_pct) if then is not None else None)
        texts.append(
            f"{format_percent(then.turnout_pct, lang)} · "
            f"{format_int(then.voted, lang)}/{format_int(then.registered, lang)}"
            if then is not None
            else ""
        )
    if all(y is None for y in ys):
        return None
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": earlier_label(earlier),
        "x": x,
        "y": ys,
        "text": texts,
        "hovertemplate": "%{fullData.name}<br>%{x}: %{text}<extra></extra>",
        "line": {
            "width": 4 if dark else 3,
            "dash": "dash",
            "color": EARLIER_COLOUR_DARK if dark else EARLIER_COLOUR,
        },
        "marker": {"size": 8 if dark else 6, "symbol": "diamond"},
        "connectgaps": True,
        "showlegend": True,
    }


def with_earlier(
    lines: figures.Figure,
    cc: CommandCentre,
    earlier: EarlierTurnout | None,
    *,
    dark: bool = False,
) -> figures.Figure:
    """``lines`` (from :func:`figures.turnout_lines`) with the earlier election's trace
    just under the scope's own line (the last trace stays on top)."""
    trace = earlier_trace(cc, earlier, dark=dark) if earlier is not None else None
    if trace is None:
        return lines
    data = lines["data"]
    return {**lines, "data": [*data[:-1], trace, *data[-1:]]}
