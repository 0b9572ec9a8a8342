"""Background jobs of the CRM: the daily expiry of convenzioni and their renewal alerts."""

from __future__ import annotations

from app.jobs import periodic


@periodic("crm.agreement_alerts", seconds=6 * 3600)
def agreement_alerts() -> dict[str, int]:
    """Mark convenzioni past their end date as expired; alert finance 90 and 30 days before the end."""
    from crm.agreements import expire_due, send_renewal_alerts

    expired = expire_due()
    alerted = send_renewal_alerts()
    return {"expired": expired, "alerted": len(alerted)}
