"""Webhook endpoints and their delivery log: the rules (admins only, safe URLs, known events)."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app import audit
from app.api import keyset_page
from app.auth.permissions import require
from app.db import transaction
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from integrations import delivery as deliveries
from integrations import netguard
from integrations.events import EVENTS
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

PERM = "integrations.webhooks"
MIN_SECRET = 16


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _check_url(url: Any) -> str:
    try:
        netguard.check_url(url, allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    except netguard.UnsafeUrl as exc:
        raise Invalid(f"indirizzo non ammesso: {exc}", {"url": [str(exc)]}) from exc
    return str(url).strip()


def _check_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise Invalid("scegli almeno un evento", {"events": ["scegli almeno un evento"]})
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise Invalid("evento sconosciuto", {"events": [f"evento sconosciuto: {', '.join(map(str, unknown))}"]})
    return sorted(set(events))


def _check_secret(secret: Any) -> str:
    if not isinstance(secret, str) or len(secret.strip()) < MIN_SECRET or len(secret) > 200:
        raise Invalid("segreto troppo corto", {"secret": [f"almeno {MIN_SECRET} caratteri (massimo 200)"]})
    return secret.strip()


def list_endpoints(*, actor: Any) -> list[WebhookEndpoint]:
    require(actor, PERM)
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(endpoint_id: int, *, actor: Any) -> WebhookEndpoint:
    require(actor, PERM)
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("webhook non trovato")
    return endpoint


def create_endpoint(
    *, actor: Any, url: str, events: list[str], secret: str | None = None, active: bool = True, description: str = ""
) -> WebhookEndpoint:
    require(actor, PERM)
    endpoint = WebhookEndpoint(
        url=_check_url(url),
        events=_check_events(events),
        secret=_check_secret(secret if secret is not None else new_secret()),
        active=bool(active),
        description=(description or "")[:200],
        created_by_id=getattr(actor, "id", None),
    )
    with transaction(actor=actor):
        db.session.add(endpoint)
    return endpoint


def update_endpoint(endpoint_id: int, *, actor: Any, **changes: Any) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id, actor=actor)
    with transaction(actor=actor):
        if "url" in changes and changes["url"] is not None:
            endpoint.url = _check_url(changes["url"])
        if "events" in changes and changes["events"] is not None:
            endpoint.events = _check_events(changes["events"])
        if changes.get("secret"):
            endpoint.secret = _check_secret(changes["secret"])
        if "description" in changes and changes["description"] is not None:
            endpoint.description = str(changes["description"])[:200]
        if "active" in changes and changes["active"] is not None:
            if changes["active"] and not endpoint.active:  # resumed: a fresh start
                endpoint.consecutive_failures = 0
                endpoint.paused_at = None
            endpoint.active = bool(changes["active"])
    return endpoint


def delete_endpoint(endpoint_id: int, *, actor: Any) -> None:
    endpoint = get_endpoint(endpoint_id, actor=actor)
    with transaction(actor=actor):
        db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        db.session.delete(endpoint)


def list_deliveries(
    endpoint_id: int, *, actor: Any, limit: int = 50, cursor: str | None = None, status: str | None = None
) -> tuple[list[WebhookDelivery], str | None]:
    endpoint = get_endpoint(endpoint_id, actor=actor)
    stmt = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == DeliveryStatus(status))
    return keyset_page(stmt, [WebhookDelivery.id], limit=limit, cursor=cursor)


def replay_delivery(endpoint_id: int, delivery_id: int, *, actor: Any) -> WebhookDelivery:
    """Send a delivery again (a failed one, or a delivered one the receiver lost)."""
    endpoint = get_endpoint(endpoint_id, actor=actor)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("consegna non trovata")
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict("la consegna è già in coda")
    if not endpoint.active:
        raise Conflict("riattiva l'endpoint prima di ripetere la consegna", {"active": ["endpoint in pausa"]})
    with transaction(actor=actor):
        deliveries.replay(db.session(), delivery)
        audit.record(object_type="webhook_deliveries", object_id=delivery.id, action="replay")
    return delivery


def replay_failed(endpoint_id: int, *, actor: Any, limit: int = 1000) -> int:
    """Send again every failed delivery of an endpoint (after it was fixed and reactivated)."""
    endpoint = get_endpoint(endpoint_id, actor=actor)
    if not endpoint.active:
        raise Conflict("riattiva l'endpoint prima di ripetere le consegne", {"active": ["endpoint in pausa"]})
    failed = list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.FAILED)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )
    with transaction(actor=actor):
        for delivery in failed:
            deliveries.replay(db.session(), delivery)
        if failed:
            audit.record(
                object_type="webhook_endpoints", object_id=endpoint.id, action="replay", changes={"n": len(failed)}
            )
    return len(failed)
