"""Reads from the other modules, through their services only (the contact center never touches
their tables). One adapter, so a change of seam is one change here."""

from __future__ import annotations

from typing import Any


def organization_choices() -> list[tuple[int, str]]:
    """(id, name) of every ente, by name, for selects (through the CRM's paginated list)."""
    from crm.services import list_organizations

    out: list[tuple[int, str]] = []
    cursor = None
    while True:
        rows, cursor = list_organizations(limit=200, cursor=cursor)
        out.extend((o.id, o.name) for o in rows)
        if not cursor:
            return out


def organization_names(ids: set[int]) -> dict[int, str]:
    from crm.services import organization_names as names

    return names(ids)


def organization_name(org_id: int | None) -> str | None:
    if not org_id:
        return None
    return organization_names({org_id}).get(org_id)


def service_choices() -> list[tuple[int, str]]:
    from crm.services import list_services

    return [(s.id, s.name) for s in list_services()]


def team_choices() -> list[tuple[int, str]]:
    from tickets.services import list_teams

    return [(t.id, t.name) for t in list_teams()]


def get_ticket(ticket_id: int) -> Any:
    from tickets.services import get_ticket as _get

    return _get(ticket_id)


def find_ticket(number_or_id: str | int) -> Any:
    from tickets.services import find_ticket_by_number, get_ticket

    value = str(number_or_id).strip()
    if value.isdigit():
        return get_ticket(int(value))
    return find_ticket_by_number(value)
