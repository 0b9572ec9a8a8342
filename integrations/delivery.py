"""Sending deliveries: written with the change, signed, retried with backoff, logged, paused.

Every delivery is a POST of ``{"id", "event", "created_at", "data"}`` signed with the endpoint's
secret (``X-Presidio-Signature: sha256=<hex HMAC-SHA256 of the raw body>``). A failure (no 2xx, a
redirect, a timeout, an address that is not public any more) is retried after
``WEBHOOK_BACKOFF_SECONDS * 2**(attempt-1)`` (30 s, 1 min, 2 min, …) up to ``WEBHOOK_MAX_ATTEMPTS``;
an endpoint failing ``WEBHOOK_PAUSE_AFTER`` times in a row is paused and the admins are e-mailed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.db import transaction, utcnow
from app.extensions import db
from app.jobs import job
from app.jobs.models import OutboxJob
from integrations import netguard
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("presidio.webhooks")

JOB_NAME = "webhooks.deliver"
DEFAULTS = {
    "WEBHOOK_TIMEOUT_SECONDS": 5.0,
    "WEBHOOK_MAX_ATTEMPTS": 10,
    "WEBHOOK_BACKOFF_SECONDS": 30,
    "WEBHOOK_PAUSE_AFTER": 15,
}


def setting(name: str) -> Any:
    return current_app.config.get(name, DEFAULTS.get(name))


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): the same on every attempt."""
    document = {"id": delivery.id, **(delivery.payload or {})}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _schedule(session: Session, delivery_ids: list[int], *, run_after: dt.datetime | None = None) -> None:
    """Outbox rows for the delivery job, written without opening a transaction: this also runs from
    the ``before_commit`` hook, inside the commit of the change itself."""
    now = utcnow()
    rows = [
        OutboxJob(
            name=JOB_NAME,
            payload={"delivery_id": delivery_id},
            queue="default",
            run_after=run_after or now,
            max_attempts=3,
        )
        for delivery_id in delivery_ids
    ]
    session.add_all(rows)
    session.flush()
    if run_after is None:
        session.info.setdefault("outbox_new", []).extend(r.id for r in rows)


def write_deliveries(session: Session, events: list[tuple[str, dt.datetime, dict[str, Any]]]) -> list[int]:
    """A delivery for each (event, endpoint that wants it), in the session's transaction."""
    endpoints = session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.is_(True))
    ).all()
    if not endpoints:
        return []
    deliveries: list[WebhookDelivery] = []
    for event, at, data in events:
        for endpoint_id, wanted in endpoints:
            if event in (wanted or []):
                deliveries.append(
                    WebhookDelivery(
                        endpoint_id=endpoint_id,
                        event=event,
                        payload={"event": event, "created_at": at.isoformat(), "data": data},
                        created_at=at,
                    )
                )
    if not deliveries:
        return []
    session.add_all(deliveries)
    session.flush()
    _schedule(session, [d.id for d in deliveries])
    return [d.id for d in deliveries]


def replay(session: Session, delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.error = None
    _schedule(session, [delivery.id])


@job(JOB_NAME)
def deliver(delivery_id: int) -> str:
    """One attempt of one delivery (the network call happens outside any transaction)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None:
        return "skipped"
    body = body_of(delivery)
    url, secret, active = endpoint.url, endpoint.secret, endpoint.active
    event = delivery.event
    db.session.rollback()  # no transaction stays open across the network call

    status_code: int | None = None
    error: str | None = None
    if not active:
        error = "endpoint in pausa o disattivato"
    else:
        try:
            target = netguard.check_url(url, allow_private=allow_private())
            response = netguard.post(
                target,
                body,
                {
                    "Content-Type": "application/json",
                    "User-Agent": "Presidio-Webhooks/1",
                    "X-Presidio-Event": event,
                    "X-Presidio-Delivery": str(delivery_id),
                    "X-Presidio-Signature": sign(secret, body),
                },
                timeout=float(setting("WEBHOOK_TIMEOUT_SECONDS")),
            )
            status_code = response.status
            if 300 <= response.status < 400:
                error = f"redirect non seguito ({response.status} verso {response.location or '?'})"
            elif not 200 <= response.status < 300:
                error = f"risposta HTTP {response.status}: {response.body[:300].decode('utf-8', 'replace')}"
        except netguard.UnsafeUrl as exc:
            error = f"indirizzo rifiutato: {exc}"
        except (OSError, ValueError) as exc:  # timeouts, refused connections, TLS and protocol errors
            error = f"{type(exc).__name__}: {exc}"[:1000]
    return _record(delivery_id, status_code=status_code, error=error)


def _record(delivery_id: int, *, status_code: int | None, error: str | None) -> str:
    now = utcnow()
    with transaction():
        delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True) if delivery else None
        if delivery is None or endpoint is None or delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.status_code = status_code
        delivery.error = error
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            endpoint.consecutive_failures = 0
            return delivery.status.value
        log.warning("webhook delivery %s to endpoint %s failed: %s", delivery.id, endpoint.id, error)
        if endpoint.active:
            endpoint.consecutive_failures += 1
            if endpoint.consecutive_failures >= int(setting("WEBHOOK_PAUSE_AFTER")):
                _pause(endpoint, error, now)
        if not endpoint.active or delivery.attempts >= int(setting("WEBHOOK_MAX_ATTEMPTS")):
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            return delivery.status.value
        delay = dt.timedelta(seconds=int(setting("WEBHOOK_BACKOFF_SECONDS")) * 2 ** (delivery.attempts - 1))
        delivery.next_attempt_at = now + delay
        _schedule(db.session(), [delivery.id], run_after=delivery.next_attempt_at)
        return delivery.status.value


def _pause(endpoint: WebhookEndpoint, error: str, now: dt.datetime) -> None:
    from app.auth.models import Role, User
    from app.mail import queue_email

    endpoint.active = False
    endpoint.paused_at = now
    admins = list(db.session.scalars(sa.select(User.email).where(User.role == Role.ADMIN, User.active.is_(True))))
    base = current_app.config["PUBLIC_BASE_URL"]
    for address in admins:
        queue_email(
            to=address,
            subject=f"Webhook in pausa: {endpoint.url[:120]}",
            body_text=(
                f"L'endpoint {endpoint.url} ha fallito {endpoint.consecutive_failures} consegne di fila ed è stato "
                f"messo in pausa.\n\nUltimo errore: {error}\n\nRiattivalo e ripeti le consegne da "
                f"{base}/integrazioni/webhook/{endpoint.id}\n"
            ),
            category="webhooks.paused",
            related_type="webhook_endpoint",
            related_id=endpoint.id,
        )
