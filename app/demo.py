"""Demo data for `seed demo`: idempotent; each domain module contributes its part (``<module>.demo.load``)."""

from __future__ import annotations

import importlib
from typing import Any

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.services import create_user, get_user_by_email
from app.config import MODULES
from app.extensions import db

DEMO_PASSWORD = "presidio-demo"  # noqa: S105 - printed for the newcomer, demo only
DEMO_USERS = [
    ("admin@presidio.local", Role.ADMIN, "Alessandra Amministratrice"),
    ("operatore@presidio.local", Role.OPERATOR, "Oscar Operatore"),
    ("ragioneria@presidio.local", Role.FINANCE, "Francesca Ragioneria"),
    ("referente@presidio.local", Role.REFERENTE, "Rocco Referente"),
]


def load_demo(*, if_empty: bool = False) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        summary["skipped"] = "demo data already present"
        summary["users"] = [(e, r.value) for e, r, _ in DEMO_USERS]
        return summary
    ctx: dict[str, Any] = {"summary": summary}
    for name in MODULES:  # crm first: the others hang on its organizations
        try:
            demo = importlib.import_module(f"{name}.demo")
        except ModuleNotFoundError:
            continue
        demo.load(ctx)
    referente_org = ctx.get("referente_organization_id")
    users = []
    for email, role, name in DEMO_USERS:
        if get_user_by_email(email) is None:
            org_id = referente_org if role == Role.REFERENTE else None
            if role == Role.REFERENTE and org_id is None:
                continue
            create_user(
                email=email,
                role=role,
                name=name,
                password=DEMO_PASSWORD,
                organization_id=org_id,
                contact_id=ctx.get("referente_contact_id") if role == Role.REFERENTE else None,
            )
        users.append((email, role.value))
    for name in MODULES:
        try:
            demo = importlib.import_module(f"{name}.demo")
        except ModuleNotFoundError:
            continue
        if hasattr(demo, "after_users"):
            demo.after_users(ctx)
    summary["users"] = users
    return summary
