"""PostgreSQL going away under the app: clean 503s, nothing half-written, back by itself."""

from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify

from app.extensions import db
from tests.faults.conftest import count


def _routes(cut):
    def add(application):
        @application.get("/_faults/drop-mid-request")
        def drop_mid_request():
            db.session.execute(sa.text("SELECT 1"))
            cut.cut()  # the database restarts while this request is being served
            db.session.execute(sa.text("SELECT count(*) FROM tickets"))
            return jsonify(ok=True)

        @application.post("/_faults/open-ticket")
        def open_ticket_and_drop():
            from tickets.services import open_ticket

            @sa.event.listens_for(db.session(), "after_flush", once=True)
            def _drop(*_args):
                cut.cut()  # between the first write and the commit

            ticket = open_ticket(subject="Server non raggiungibile", description="Il gestionale non risponde")
            return jsonify(id=ticket.id), 201

    return add


def test_connection_drop_mid_request_answers_a_clean_503(app, app_through, pg_cut):
    second = app_through(_routes(pg_cut))
    client = second.test_client()
    assert client.get("/healthz").status_code == 200

    resp = client.get("/_faults/drop-mid-request", headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert resp.get_json()["error"]["code"] == "service_unavailable"
    assert resp.headers["Retry-After"]
    assert b"Traceback" not in resp.data

    pg_cut.restore()
    html = client.get("/_faults/drop-mid-request", headers={"Accept": "text/html"})
    assert html.status_code == 503
    assert "text/html" in html.content_type
    assert b"Traceback" not in html.data and b"psycopg" not in html.data


def test_while_the_database_is_down_pages_answer_503_and_it_comes_back_by_itself(app, app_through, pg_cut, make_user):
    from app.auth.services import issue_token

    _, raw = issue_token(user=make_user("operator"), name="faults")
    bearer = {"Authorization": f"Bearer {raw}"}
    second = app_through()
    client = second.test_client()
    assert client.get("/healthz").status_code == 200

    pg_cut.cut()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["database"].startswith("error")
    api = client.get("/api/v1/me", headers=bearer)
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "service_unavailable"
    page = client.get("/login")
    assert page.status_code in (200, 503)  # the login form needs no database
    assert b"Traceback" not in page.data

    pg_cut.restore()  # no restart of the app: the pool reconnects on its own
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 200


def test_no_half_written_ticket_when_the_database_drops_before_commit(app, app_through, pg_cut):
    second = app_through(_routes(pg_cut))
    client = second.test_client()
    resp = client.post("/_faults/open-ticket", headers={"Accept": "application/json"})
    assert resp.status_code == 503
    pg_cut.restore()
    # nothing of the ticket survived: no row, no message, no status history, no audit entry
    for table in ("tickets", "ticket_messages", "ticket_status_changes", "ticket_counters"):
        assert count(table) == 0, table
    assert count("audit_entries") == 0
    # and the next attempt works; its number may skip the one the failed attempt drew (numbers come
    # from a sequence: unique and increasing, gaps allowed)
    from tickets.services import open_ticket

    ticket = open_ticket(subject="Server non raggiungibile", description="Riprovo")
    assert ticket.number.startswith(f"AST-{ticket.created_at.year}-")
    assert int(ticket.number.rsplit("-", 1)[1]) in (1, 2)
