"""The reports' panel on an ente's 360° page: hours against the convenzione and the rendiconto."""

from __future__ import annotations

from typing import Any

from app import panels
from app.auth.permissions import can
from app.db import local_today
from reports import hours


def _panel(organization_id: int, user: Any) -> dict[str, Any] | None:
    if not can(user, "reports.read"):
        return None
    year = local_today().year
    return {"year": year, "hours": hours.hours_rows(year=year, organization_id=organization_id)}


def register() -> None:
    panels.register_org_panel("reports", "reports/_org_panel.html", _panel, order=60)
