"""Reads from the other modules, through their services only (the contact center never touches
their tables). One adapter, so a change of seam is one change here."""

from __future__ import annotations

from typing import Any


def organization_choices(**filters: Any) -> list[tuple[int, str]]:
    """(id, name) of every ente (``filters`` as the CRM takes them, e.g. ``active=True``), by name, for
    selects (through the CRM's paginated list)."""
    from crm.services import list_organizations

    out: list[tuple[int, str]] = []
    cursor = None
    while True:
        rows, cursor = list_organizations(limit=200, cursor=cursor, **filters)
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


def contacts_of(organization_id: int) -> list[Any]:
    """Every contact of an ente, by name (through the CRM's paginated list)."""
    from crm.services import list_contacts

    out: list[Any] = []
    cursor = None
    while True:
        rows, cursor = list_contacts(limit=200, cursor=cursor, organization_id=organization_id)
        out.extend(rows)
        if not cursor:
            return out


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


# Public mail providers: a shared domain says nothing about which ente a sender belongs to.
PUBLIC_DOMAINS = {
    "gmail.com", "googlemail.com", "libero.it", "virgilio.it", "alice.it", "tim.it", "tin.it", "tiscali.it",
    "hotmail.com", "hotmail.it", "outlook.com", "outlook.it", "live.com", "live.it", "yahoo.com", "yahoo.it",
    "icloud.com", "me.com", "fastwebnet.it", "email.it", "inwind.it", "aruba.it", "pec.it", "legalmail.it",
    "postecert.it", "pec.aruba.it", "arubapec.it", "gigapec.it", "cert.legalmail.it", "protonmail.com",
}  # fmt: skip


def likely_organization(address: str | None) -> int | None:
    """The ente whose contacts write from the sender's (institutional) domain, when it is only one."""
    address = (address or "").strip().lower()
    if "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1]
    if not domain or domain in PUBLIC_DOMAINS or "." not in domain:
        return None
    from crm.services import list_contacts

    contacts, _ = list_contacts(q=f"@{domain}", limit=50)
    orgs = {c.organization_id for c in contacts if (c.email or "").lower().endswith(f"@{domain}")}
    return orgs.pop() if len(orgs) == 1 else None
