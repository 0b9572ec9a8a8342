"""Extension points so a lower module can show what higher modules know, without importing them.

The CRM's 360° page of an ente is built from *panels* and one *timeline*: ``tickets``, ``billing`` and
``contact_center`` register a provider for each in their ``init_app``; the CRM page asks for them by
organization. A provider gets the organization id and the viewing user and returns a dict for its
template (or None to hide the panel); timeline providers return ``TimelineEvent``s, newest first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("presidio.panels")


@dataclasses.dataclass(frozen=True)
class Panel:
    key: str
    template: str  # e.g. "tickets/_org_panel.html"; gets ``panel`` (the provider's dict) and ``org_id``
    provider: Callable[[int, Any], dict[str, Any] | None]
    order: int = 100


@dataclasses.dataclass(frozen=True)
class TimelineEvent:
    at: dt.datetime  # aware UTC
    kind: str  # "ticket", "interaction", "invoice", "call", "email", …
    title: str
    url: str | None = None
    detail: str = ""
    icon: str = "it-info-circle"


_PANELS: dict[str, Panel] = {}
_TIMELINE: dict[str, Callable[[int, Any, int], list[TimelineEvent]]] = {}


def register_org_panel(
    key: str, template: str, provider: Callable[[int, Any], dict[str, Any] | None], order: int = 100
) -> None:
    _PANELS[key] = Panel(key, template, provider, order)


def register_org_timeline(key: str, provider: Callable[[int, Any, int], list[TimelineEvent]]) -> None:
    """``provider(organization_id, user, limit)`` returns up to ``limit`` events, newest first."""
    _TIMELINE[key] = provider


def org_panels(organization_id: int, user: Any) -> list[tuple[Panel, dict[str, Any]]]:
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        data = panel.provider(organization_id, user)
        if data is not None:
            out.append((panel, data))
    return out


def org_timeline(organization_id: int, user: Any, limit: int = 50) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for provider in _TIMELINE.values():
        events.extend(provider(organization_id, user, limit))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]
