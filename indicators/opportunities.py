"""Opportunities for the head of the center: enti that miss an indicator the center has a service for."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.auth.permissions import require
from app.extensions import db
from crm.models import Organization, OrgKind
from indicators import services
from indicators.models import Indicator
from indicators.values import is_met


def list_opportunities(*, user: Any, province: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """(ente, indicator, services) for every comune whose current value is missing or short of the target,
    for indicators linked to at least one service of the catalog; by ente name."""
    from crm.services import list_services

    require(user, "indicators.write")
    catalog = {s.id: s for s in list_services()}
    indicators = [i for i in services.list_indicators(active_only=True) if any(s in catalog for s in i.service_ids)]
    if not indicators:
        return []
    stmt = sa.select(Organization.id, Organization.name).where(
        Organization.kind == OrgKind.COMUNE, Organization.active.is_(True)
    )
    if province:
        stmt = stmt.where(Organization.province == province.upper())
    orgs = db.session.execute(stmt.order_by(Organization.name)).all()
    current = {(r.organization_id, r.indicator_id): r for r in services._current_rows([o.id for o in orgs])}
    out: list[dict[str, Any]] = []
    for org_id, name in orgs:
        for ind in indicators:
            row = current.get((org_id, ind.id))
            if row is not None and is_met(ind.kind, row.value, ind.target) is not False:
                continue
            out.append(
                {
                    "organization_id": org_id,
                    "name": name,
                    "indicator": ind,
                    "value": row.value if row else None,
                    "services": [catalog[s] for s in ind.service_ids if s in catalog],
                }
            )
            if len(out) >= limit:
                return out
    return out


def open_interaction(*, organization_id: int, indicator_id: int, actor: Any) -> Any:
    """One click from the list: a CRM note on the ente proposing the services of the indicator."""
    from crm.services import get_service, log_interaction

    require(actor, "indicators.write")
    indicator: Indicator = services.get_indicator(indicator_id)
    names = ", ".join(get_service(s).name for s in indicator.service_ids) or "—"
    return log_interaction(
        organization_id=organization_id,
        subject=f"Opportunità: {indicator.name} ({indicator.measure})",
        body=f"Indicatore non raggiunto. Servizi del centro da proporre: {names}.",
        kind="note",
        actor=actor,
    )
