"""Official forms and tables as PDF and XLSX (DESIGN §9).

Builders (:mod:`.constituency`, :mod:`.turnout`, :mod:`.tally`) turn plain read-model
values into a neutral :class:`~data.reports.model.Report`; :mod:`.pdf` and :mod:`.xlsx`
render that one report, so both files always carry the same figures.
:mod:`.sources` runs the read models in one session and calls the builders.
"""
