"""Demo data for `seed demo`: idempotent; each domain module contributes its part (``<module>.demo.load``).

Order: module by module, ``load(ctx)`` then the optional ``after_users(ctx)``, so each module finds
the previous ones' data complete. The demo users (one per role, and a referente for a few comuni) are
made right after the crm's ``load`` has brought the 41 comuni of the Città Metropolitana di Bari from
the bundled ISTAT registry. A module whose demo is missing is skipped, so the platform's part always
loads.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.services import create_user, get_user_by_email
from app.config import MODULES
from app.extensions import db

log = logging.getLogger("presidio.demo")

DEMO_PASSWORD = "presidio-demo"  # noqa: S105 - printed for the newcomer, demo only
DEMO_USERS = [
    ("admin@presidio.example.it", Role.ADMIN, "Alessandra Amministratrice"),
    ("operatore@presidio.example.it", Role.OPERATOR, "Oscar Operatore"),
    ("ragioneria@presidio.example.it", Role.FINANCE, "Francesca Ragioneria"),
]
# Referenti bound to real comuni by ISTAT code; the first is the one printed as "the" referente login.
DEMO_REFERENTI = [
    ("referente@presidio.example.it", "072006", "Rocco Referente"),  # Bari
    ("referente.altamura@presidio.example.it", "072004", "Angela Loiudice"),  # Altamura
    ("referente.monopoli@presidio.example.it", "072030", "Marco Intini"),  # Monopoli
]


def _module_demo(name: str) -> Any:
    try:
        return importlib.import_module(f"{name}.demo")
    except ModuleNotFoundError as exc:
        if exc.name != f"{name}.demo":
            raise
        return None


def _organization_for(istat_code: str, fallback: int | None) -> int | None:
    from crm.services import find_organization_by_code

    org = find_organization_by_code(istat_code)
    return org.id if org is not None else fallback


def _first_organization_id() -> int | None:
    from crm.models import Organization

    return db.session.scalar(sa.select(Organization.id).order_by(Organization.id).limit(1))


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of every demo account that exists."""
    emails = [e for e, _, _ in DEMO_USERS] + [e for e, _, _ in DEMO_REFERENTI]
    users = db.session.scalars(sa.select(User).where(User.email.in_(emails))).all()
    by_email = {u.email: u.role.value for u in users}
    return [(e, by_email[e]) for e in emails if e in by_email]


def _load_users(ctx: dict[str, Any]) -> None:
    """One user per role, and referenti bound to real comuni (by ISTAT code)."""
    for email, role, name in DEMO_USERS:
        if get_user_by_email(email) is None:
            create_user(email=email, role=role, name=name, password=DEMO_PASSWORD)
    fallback = ctx.get("referente_organization_id") or _first_organization_id()
    referenti: dict[str, int] = {}
    for i, (email, istat, name) in enumerate(DEMO_REFERENTI):
        org_id = _organization_for(istat, fallback if i == 0 else None)
        if org_id is None:
            continue
        referenti[email] = org_id
        if get_user_by_email(email) is None:
            create_user(
                email=email,
                role=Role.REFERENTE,
                name=name,
                password=DEMO_PASSWORD,
                organization_id=org_id,
            )
        _own_contact(email, name, org_id)
    if not referenti:
        log.warning("no organization to bind the demo referente to: load the crm demo (comuni) first")
    ctx["demo_users"] = {e: get_user_by_email(e) for e, _ in demo_logins()}


def _own_contact(email: str, name: str, org_id: int) -> None:
    """Each demo referente is its own contact of its ente (same name and email), with portal access:
    the CRM links the existing user to it."""
    user = get_user_by_email(email)
    if user is None or user.contact_id:
        return
    from crm.services import create_contact

    create_contact(organization_id=org_id, name=name, email=email, role="rtd", portal_access=True)


def load_demo(*, if_empty: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        summary["skipped"] = "demo data already present"
        summary["users"] = demo_logins()
        return summary
    ctx: dict[str, Any] = {"summary": summary, "password": DEMO_PASSWORD}
    users_made = False
    # Module by module: load(ctx) then after_users(ctx), so each module finds the previous ones'
    # data complete (tickets after the crm, the contact center after the tickets). The users are
    # made as soon as the crm has brought the comuni the referenti belong to.
    for name in MODULES:
        demo = _module_demo(name)
        if demo is None:
            summary.setdefault("modules_without_demo", []).append(name)
        else:
            demo.load(ctx)
        if not users_made:
            _load_users(ctx)
            users_made = True
        if demo is not None and hasattr(demo, "after_users"):
            demo.after_users(ctx)
    summary["users"] = demo_logins()
    return summary
