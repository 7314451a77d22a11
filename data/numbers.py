"""Number formatting for messages and reports, Vietnamese and English.

Vietnamese groups thousands with a dot and uses a decimal comma
(``1.234.567``, ``45,67 %``); English uses ``1,234,567`` and ``45.67%``.
Everything is exact: percentages are computed with integers and rounded half-up
(as on the official forms), never through binary floats.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

_TWO_PLACES = Decimal("0.01")
_SWAP_SEPARATORS = str.maketrans({",": ".", ".": ","})


def is_english(lang: str | None) -> bool:
    """True for ``en``, ``en-US``, ``EN``…; everything else is Vietnamese."""
    return bool(lang) and str(lang).strip().lower().startswith("en")


def _localise(text: str, lang: str) -> str:
    """Turn an English-formatted number (``1,234.5``) into ``lang``'s form."""
    return text if is_english(lang) else text.translate(_SWAP_SEPARATORS)


def format_int(n: int, lang: str = "vi") -> str:
    """``1234567`` → ``1.234.567`` (vi) or ``1,234,567`` (en)."""
    return _localise(f"{int(n):,}", lang)


def round_half_up(value: Decimal | float | int, places: int = 2) -> Decimal:
    """``value`` rounded half-up to ``places`` decimals, exactly.

    Floats go through their shortest ``repr`` (``2.675`` stays ``2.675`` and
    rounds to ``2.68``), so binary representation errors never show.
    """
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal):
        value = Decimal(value)
    with localcontext() as ctx:
        ctx.prec = max(28, len(value.as_tuple().digits) + places + 2)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_decimal(value: Decimal | float | int, lang: str = "vi", places: int = 2) -> str:
    """``1234.5`` → ``1.234,50`` (vi) or ``1,234.50`` (en), half-up."""
    return _localise(f"{round_half_up(value, places):,f}", lang)


def format_percent(value: Decimal | float | int, lang: str = "vi") -> str:
    """``45.666`` → ``45,67 %`` (vi) or ``45.67%`` (en): two decimals, half-up."""
    text = format_decimal(value, lang, 2)
    return f"{text}%" if is_english(lang) else f"{text} %"


def percent_of(part: int, whole: int) -> Decimal:
    """``part / whole`` as a percentage with two decimals, half-up, exact.

    Integer arithmetic only, so there is no double rounding: ``percent_of(1, 8)``
    is ``Decimal("12.50")``, ``percent_of(2, 3)`` is ``Decimal("66.67")``.
    ``whole == 0`` gives ``Decimal("0.00")``. Halves round away from zero.
    """
    part, whole = int(part), int(whole)
    if whole == 0:
        return Decimal("0.00")
    negative = (part < 0) != (whole < 0)
    part, whole = abs(part), abs(whole)
    hundredths = (part * 20_000 + whole) // (2 * whole)  # round(part*10000/whole), half-up
    units, cents = divmod(hundredths, 100)
    sign = "-" if negative and hundredths else ""
    return Decimal(f"{sign}{units}.{cents:02d}")
