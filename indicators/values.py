"""The one place where an indicator value (or target) is read from outside data and compared with a target.

A value is JSON of the indicator's kind — ``true``/``false``, a number, ``"YYYY-MM-DD"``, a choice — and the
same written as a string is accepted ("true", "no", "42,5", …). Anything else raises ``Invalid`` naming
``field``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

from app.errors import Invalid
from indicators.models import Kind

_TRUE = {"true", "1", "yes", "si", "sì", "y", "s", "vero"}
_FALSE = {"false", "0", "no", "n", "falso"}


def _bad(field: str, msg: str) -> Invalid:
    return Invalid(msg, {field: [msg]})


def parse_value(kind: Kind | str, raw: Any, *, choices: list | None = None, field: str = "value") -> Any:
    """``raw`` as the JSON value stored for ``kind`` (bool, int/float, ISO date string, choice string)."""
    kind = Kind(kind)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise _bad(field, "valore mancante")
    if kind == Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            text = raw.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise _bad(field, "atteso vero o falso")
    if kind in (Kind.PERCENT, Kind.NUMBER):
        if isinstance(raw, bool):
            raise _bad(field, "atteso un numero")
        if isinstance(raw, int | float):
            number = decimal.Decimal(str(raw))
        elif isinstance(raw, str):
            try:
                number = decimal.Decimal(raw.strip().rstrip("%").strip().replace(",", "."))
            except decimal.InvalidOperation as exc:
                raise _bad(field, "atteso un numero") from exc
        else:
            raise _bad(field, "atteso un numero")
        if not number.is_finite() or abs(number) > decimal.Decimal("1e12"):
            raise _bad(field, "atteso un numero")
        if kind == Kind.PERCENT and not (0 <= number <= 100):
            raise _bad(field, "percentuale fuori da 0-100")
        as_float = float(number)
        if not math.isfinite(as_float):
            raise _bad(field, "atteso un numero")
        return int(number) if number == number.to_integral_value() else as_float
    if kind == Kind.DATE:
        text = raw.strip() if isinstance(raw, str) else ""
        try:
            if len(text) != 10:
                raise ValueError(text)
            return dt.date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise _bad(field, "attesa una data AAAA-MM-GG") from exc
    # choice
    if not isinstance(raw, str):
        raise _bad(field, "attesa una delle scelte")
    text = raw.strip()
    if choices and text not in choices:
        raise _bad(field, "attesa una delle scelte: " + ", ".join(str(c) for c in choices))
    return text


def parse_target(kind: Kind | str, raw: Any, *, choices: list | None = None) -> Any:
    """A target: like a value; for a choice, one choice or a list of accepted choices; None: no target."""
    if raw is None or raw == "":
        return None
    if Kind(kind) == Kind.CHOICE and isinstance(raw, list):
        return [parse_value(kind, r, choices=choices, field="target") for r in raw]
    return parse_value(kind, raw, choices=choices, field="target")


def is_met(kind: Kind | str, value: Any, target: Any) -> bool | None:
    """Whether a (parsed) value reaches the target: None when there is no value or no target."""
    if value is None or target is None:
        return None
    kind = Kind(kind)
    if kind == Kind.BOOLEAN:
        return bool(value) == bool(target)
    if kind in (Kind.PERCENT, Kind.NUMBER):
        return float(value) >= float(target)
    if kind == Kind.DATE:
        return str(value) <= str(target)  # ISO dates compare as strings: done by the target date
    if isinstance(target, list):
        return value in target
    return value == target
