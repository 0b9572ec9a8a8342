"""The words people read for enum values: one registry for every module's ``StrEnum``.

A module registers the labels of its enums next to their definition (``enum_labels(TicketStatus,
{...})`` with lazy strings), and every page shows a value through the ``label`` filter
(``{{ ticket.status|label }}``), so no raw ``"done"`` or ``"urgent"`` reaches an Italian page.
A plain string (a value from a URL or a JSON blob) needs its enum: ``{{ s|label("JobStatus") }}``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any

_BY_CLASS: dict[type[enum.Enum], Mapping[str, Any]] = {}
_BY_NAME: dict[str, type[enum.Enum]] = {}


def enum_labels(cls: type[enum.Enum], labels: Mapping[Any, Any], *, name: str | None = None) -> None:
    """Register the labels of every member of ``cls`` (lazy strings: the language is the reader's).
    A member without a label is a programming error, caught at import."""
    by_value = {str(getattr(k, "value", k)): v for k, v in labels.items()}
    missing = [m.value for m in cls if str(m.value) not in by_value]
    if missing:
        raise ValueError(f"{cls.__name__}: no label for {missing}")
    key = name or cls.__name__
    other = _BY_NAME.get(key)
    if other is not None and other is not cls:
        raise ValueError(f"two enums registered as {key!r}: pass name=")
    _BY_CLASS[cls] = by_value
    _BY_NAME[key] = cls


def label(value: Any, kind: str | type[enum.Enum] | None = None) -> str:
    """The reader's word for ``value`` (an enum member, or a plain value of the enum named ``kind``);
    a value nobody registered is shown as it is."""
    if value is None:
        return ""
    cls: type[enum.Enum] | None
    if kind is not None:
        cls = kind if isinstance(kind, type) else _BY_NAME.get(kind)
    else:
        cls = type(value) if isinstance(value, enum.Enum) else None
    key = str(getattr(value, "value", value))
    labels = _BY_CLASS.get(cls) if cls is not None else None
    if labels is None or key not in labels:
        return key
    return str(labels[key])


def choices(cls: type[enum.Enum]) -> list[tuple[str, Any]]:
    """``(value, lazy label)`` pairs for a select field, in the enum's order."""
    labels = _BY_CLASS[cls]
    return [(str(m.value), labels[str(m.value)]) for m in cls]


def labels_of(cls: type[enum.Enum]) -> dict[str, Any]:
    """value → lazy label of one enum (for code that keys by plain values)."""
    return dict(_BY_CLASS[cls])


def registered() -> Iterator[tuple[type[enum.Enum], Mapping[str, Any]]]:
    """Every registered enum and its labels (tests walk them)."""
    yield from _BY_CLASS.items()
