"""Outbound webhooks against a real HTTP receiver: signed, retried, logged, refused where unsafe."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
import sqlalchemy as sa

from app.db import transaction, utcnow
from app.jobs import relay
from app.jobs.models import JobStatus, OutboxJob
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

SECRET = "s3cret-s3cret-s3cret"


def _open_ticket(admin, subject="Stampante guasta"):
    from tickets.services import open_ticket

    return open_ticket(subject=subject, actor=admin)


def _make_due(db) -> None:
    """The retry's time has come (instead of waiting for it)."""
    with transaction():
        db.session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.status == JobStatus.PENDING)
            .values(run_after=utcnow() - dt.timedelta(seconds=1))
        )


def test_a_registered_endpoint_receives_signed_events(db, admin, endpoint, receiver, run_jobs, api_as):
    from tickets.services import open_ticket

    ticket = open_ticket(subject="Stampante guasta", description="Non stampa più", actor=admin)
    run_jobs()

    by_event = {r["headers"]["X-Presidio-Event"]: r for r in receiver.requests}
    assert set(by_event) == {"ticket.created", "message.created"}  # the description is the first message
    request = by_event["ticket.created"]
    body = request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Presidio-Signature"] == expected
    assert request["headers"]["X-Presidio-Event"] == "ticket.created"
    document = receiver.json(receiver.requests.index(request))
    assert set(document) == {"id", "event", "created_at", "data"}
    assert str(document["id"]) == request["headers"]["X-Presidio-Delivery"]
    assert document["data"]["number"] == ticket.number
    assert document["data"]["subject"] == "Stampante guasta"

    api = api_as(user=admin)
    log = api.get(f"/api/v1/webhooks/{endpoint.id}/deliveries").get_json()["items"]
    assert sorted((d["event"], d["status_code"], d["attempts"], d["error"]) for d in log) == [
        ("message.created", 200, 1, None),
        ("ticket.created", 200, 1, None),
    ]
    assert all(d["delivered_at"] for d in log)


def test_a_message_and_a_status_change_are_events_too(db, admin, endpoint, receiver, run_jobs):
    from tickets.services import add_message, change_status

    ticket = _open_ticket(admin)
    add_message(ticket_id=ticket.id, body="Abbiamo riavviato lo spooler", actor=admin)
    change_status(ticket_id=ticket.id, status="resolved", actor=admin)
    run_jobs()
    events = sorted(r["headers"]["X-Presidio-Event"] for r in receiver.requests)
    assert "message.created" in events and "ticket.status_changed" in events
    # Not subscribed: no ticket.updated delivery.
    assert "ticket.updated" not in events


def test_the_delivery_is_written_with_the_change_or_not_at_all(db, admin, endpoint):
    from tickets.services import open_ticket

    with pytest.raises(RuntimeError), transaction(actor=admin):
        open_ticket(subject="Annullata", actor=admin)
        raise RuntimeError("the change is rolled back")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0

    _open_ticket(admin)
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.name == "webhooks.deliver"))
    assert delivery is not None and job is not None and job.payload == {"delivery_id": delivery.id}


def test_a_failing_endpoint_is_retried_with_backoff_then_succeeds(db, admin, endpoint, receiver, run_jobs, api_as):
    receiver.statuses = [500, 503, 200]
    _open_ticket(admin)
    run_jobs()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.PENDING, 1, 500)
    first_wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert dt.timedelta(0) < first_wait <= dt.timedelta(minutes=1)

    _make_due(db)
    relay()
    run_jobs()
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert (delivery.attempts, delivery.status_code) == (2, 503)
    assert delivery.next_attempt_at - delivery.last_attempt_at == 2 * first_wait  # exponential

    _make_due(db)
    relay()
    run_jobs()
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert (delivery.status, delivery.attempts, delivery.status_code) == (DeliveryStatus.DELIVERED, 3, 200)
    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1  # the same signed body every time
    log = api_as(user=admin).get(f"/api/v1/webhooks/{endpoint.id}/deliveries").get_json()["items"]
    assert log[0]["attempts"] == 3 and log[0]["delivered_at"]


def test_redirects_are_not_followed(db, admin, endpoint, receiver, run_jobs):
    receiver.statuses = [302]
    receiver.location = receiver.url.replace("/hook", "/elsewhere")
    _open_ticket(admin)
    run_jobs()
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status_code == 302 and delivery.status == DeliveryStatus.PENDING
    assert "redirect" in delivery.error


def test_an_endpoint_that_keeps_failing_is_paused_and_admins_told(db, app, admin, endpoint, receiver, run_jobs):
    from app.mail import OutboundEmail

    app.config["WEBHOOK_PAUSE_AFTER"] = 2
    try:
        receiver.statuses = [500]
        _open_ticket(admin)
        run_jobs()
        _make_due(db)
        relay()
        run_jobs()
    finally:
        app.config["WEBHOOK_PAUSE_AFTER"] = 15
    db.session.expire_all()
    paused = db.session.get(WebhookEndpoint, endpoint.id)
    assert not paused.active and paused.paused_at is not None
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.FAILED
    mails = list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.category == "webhooks.paused")))
    assert [m.to_addr for m in mails] == [admin.email]
    # Paused: new changes make no deliveries.
    _open_ticket(admin, "Altro guasto")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1


def test_private_addresses_are_refused_at_registration(db, api_as):
    api = api_as("admin")
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "ftp://example.org/hook",
        "http://user:pw@example.org/hook",
    ):
        response = api.post("/api/v1/webhooks", json={"url": url, "events": ["ticket.created"], "secret": SECRET})
        assert response.status_code == 422, url
        assert "url" in response.get_json()["error"]["fields"], url
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_an_address_turned_private_is_refused_at_delivery(db, app, admin, endpoint, receiver, run_jobs):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False  # as if the name now resolved to a private address
    _open_ticket(admin)
    run_jobs()
    assert receiver.requests == []
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.status_code is None and "indirizzo rifiutato" in delivery.error


def test_dns_rebinding_is_checked_on_every_resolution():
    from integrations.netguard import UnsafeUrl, check_url

    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    target = check_url("https://hooks.example.org/x?y=1", resolve=lambda host, port: next(answers))
    assert target.addresses == ("93.184.216.34",) and target.path == "/x?y=1" and target.port == 443
    with pytest.raises(UnsafeUrl):
        check_url("https://hooks.example.org/x", resolve=lambda host, port: next(answers))
    with pytest.raises(UnsafeUrl):  # one private answer among public ones is enough
        check_url("http://hooks.example.org/", resolve=lambda host, port: ["93.184.216.34", "10.0.0.5"])


def test_the_api_manages_endpoints_and_never_returns_the_secret(db, api_as, receiver, allow_private, client):
    api = api_as("admin")
    created = api.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["invoice.issued"], "secret": SECRET})
    assert created.status_code == 201
    data = created.get_json()
    assert "secret" not in data and data["active"] is True and data["events"] == ["invoice.issued"]
    wid = data["id"]
    assert "secret" not in api.get(f"/api/v1/webhooks/{wid}").get_json()
    assert SECRET not in api.get("/api/v1/webhooks").get_data(as_text=True)
    patched = api.patch(f"/api/v1/webhooks/{wid}", json={"active": False, "events": ["payment.recorded"]})
    assert patched.status_code == 200 and patched.get_json()["active"] is False
    bad = api.patch(f"/api/v1/webhooks/{wid}", json={"events": ["ticket.exploded"]})
    assert bad.status_code == 422 and "events" in bad.get_json()["error"]["fields"]
    short = api.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["invoice.issued"], "secret": "x"})
    assert short.status_code == 422 and "secret" in short.get_json()["error"]["fields"]
    assert api.delete(f"/api/v1/webhooks/{wid}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{wid}").status_code == 404
    # Audited, without the secret.
    from app.audit import AuditEntry

    entries = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "webhook_endpoints")))
    assert entries and all("secret" not in e.changes for e in entries)


@pytest.mark.parametrize("role", ["operator", "finance", "referente"])
def test_only_admins_manage_webhooks(db, api_as, role):
    api = api_as(role)
    assert api.get("/api/v1/webhooks").status_code == 403
    assert (
        api.post("/api/v1/webhooks", json={"url": "https://example.org", "events": ["ticket.created"]}).status_code
        == 403
    )


def test_admin_page_registers_shows_the_log_and_replays(
    db, admin, receiver, allow_private, login, client, get_csrf, run_jobs
):
    login(admin)
    token = get_csrf("/integrazioni/webhook")
    response = client.post(
        "/integrazioni/webhook",
        data={"csrf_token": token, "url": receiver.url, "events": ["ticket.created"], "secret": SECRET, "active": "y"},
    )
    assert response.status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    receiver.statuses = [500]
    from tickets.services import open_ticket

    open_ticket(subject="Rete giù", actor=admin)
    run_jobs()
    page = client.get(f"/integrazioni/webhook/{endpoint.id}").get_data(as_text=True)
    assert "ticket.created" in page and "500" in page and SECRET not in page

    # Out of attempts: failed, then replayed from the page once the receiver is fixed.
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    with transaction():
        db.session.get(WebhookDelivery, delivery.id).status = DeliveryStatus.FAILED
        db.session.execute(sa.delete(OutboxJob).where(OutboxJob.name == "webhooks.deliver"))
    receiver.statuses = [200]
    token = get_csrf(f"/integrazioni/webhook/{endpoint.id}")
    replayed = client.post(
        f"/integrazioni/webhook/{endpoint.id}/consegne/{delivery.id}/ripeti", data={"csrf_token": token}
    )
    assert replayed.status_code == 302
    run_jobs()
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, delivery.id).status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 2


def test_after_a_pause_the_admin_reactivates_and_replays_every_failed_delivery(
    db, app, admin, endpoint, receiver, run_jobs, login, client, get_csrf
):
    app.config["WEBHOOK_PAUSE_AFTER"] = 1
    try:
        receiver.statuses = [500]
        _open_ticket(admin)
        run_jobs()
    finally:
        app.config["WEBHOOK_PAUSE_AFTER"] = 15
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).active is False
    login(admin)
    path = f"/integrazioni/webhook/{endpoint.id}"
    refused = client.post(f"{path}/ripeti-fallite", data={"csrf_token": get_csrf(path)})
    assert refused.status_code == 409  # paused: reactivate first
    from integrations.services import update_endpoint

    update_endpoint(endpoint.id, actor=admin, active=True)
    receiver.statuses = [200]
    assert client.post(f"{path}/ripeti-fallite", data={"csrf_token": get_csrf(path)}).status_code == 302
    run_jobs()
    db.session.expire_all()
    assert [d.status for d in db.session.scalars(sa.select(WebhookDelivery))] == [DeliveryStatus.DELIVERED]
    assert db.session.get(WebhookEndpoint, endpoint.id).consecutive_failures == 0
