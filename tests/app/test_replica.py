"""Reports read from the read replica (DATABASE_REPLICA_URL) and writes never go there.

The "replica" here is a second PostgreSQL database with the same schema holding DIFFERENT data, so
a page shows which database it read. With an unreachable replica the pages read from the primary
and a warning is logged.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db import transaction
from app.extensions import db as _db
from app.replica import replica_engine, replica_reads
from crm.models import Organization, OrgKind
from tests.conftest import ensure_database, free_port

REPLICA_ORG = "Comune della Replica"
PRIMARY_ORG = "Comune del Primario"


@pytest.fixture(scope="module")
def replica_url(app):
    primary = make_url(os.environ["TEST_DATABASE_URL"])
    url = primary.set(database=f"{primary.database}_replica").render_as_string(hide_password=False)
    ensure_database(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    _db.metadata.create_all(engine)
    yield url
    engine.dispose()


@pytest.fixture
def replica(app, replica_url):
    """The app reads reports from the replica database, which holds an ente and a ticket of its own."""
    from app.audit import AuditEntry
    from tickets.models import Ticket
    from tickets.sla.models import TicketSla

    engine = sa.create_engine(replica_url)
    with Session(engine) as session:
        org = Organization(kind=OrgKind.COMUNE, name=REPLICA_ORG, istat_code="072999", province="BA")
        session.add(org)
        session.flush()
        ticket = Ticket(number="R-1", subject="Solo sulla replica", organization_id=org.id)
        session.add(ticket)
        session.flush()
        session.add(TicketSla(ticket_id=ticket.id, resolution_state="met"))
        session.add(AuditEntry(object_type="organizations", object_id="replica-only", action="update"))
        session.commit()
    app.config["DATABASE_REPLICA_URL"] = replica_url
    yield engine
    app.config["DATABASE_REPLICA_URL"] = None
    _db.session.rollback()  # the session's read transaction on the replica ends before the TRUNCATE
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def primary_ticket(make_org, make_user):
    from tickets.services import open_ticket

    org = make_org(name=PRIMARY_ORG)
    return open_ticket(subject="Sul primario", organization_id=org.id, actor=make_user("operator"))


def test_sla_report_and_its_csv_read_the_replica(replica, primary_ticket, client, login_as):
    login_as("operator")
    year = dt.date.today().year
    page = client.get(f"/ticket/sla/report?year={year}").get_data(as_text=True)
    assert REPLICA_ORG in page and PRIMARY_ORG not in page
    csv = client.get(f"/ticket/sla/report.csv?year={year}").get_data(as_text=True)
    assert REPLICA_ORG in csv and PRIMARY_ORG not in csv


def test_sla_report_api_reads_the_replica(replica, primary_ticket, api_as):
    api = api_as("operator")
    body = api.client.get(f"/api/v1/sla/report?year={dt.date.today().year}", headers=api.headers)
    assert body.status_code == 200, body.get_data(as_text=True)
    labels = {row["label"] for row in body.get_json()["rows"]}
    assert REPLICA_ORG in labels and PRIMARY_ORG not in labels


def test_crm_export_and_audit_log_read_the_replica(replica, primary_ticket, client, login_as):
    login_as("admin")
    export = client.get("/crm/enti/esporta.csv").get_data(as_text=True)
    assert REPLICA_ORG in export and PRIMARY_ORG not in export
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "replica-only" in audit
    # Pages operators act from stay on the primary (read-your-writes).
    enti = client.get("/crm/enti").get_data(as_text=True)
    assert PRIMARY_ORG in enti and REPLICA_ORG not in enti


def test_writes_during_a_report_go_to_the_primary(app, replica, make_org):
    with replica_reads() as on_replica:
        assert on_replica
        names = set(_db.session.scalars(sa.select(Organization.name)))
        assert names == {REPLICA_ORG}
        with transaction():
            _db.session.add(Organization(kind=OrgKind.COMUNE, name="Comune Nuovo", istat_code="072500", province="BA"))
        locked = _db.session.scalars(sa.select(Organization.name).with_for_update()).all()
        assert locked == ["Comune Nuovo"]  # SELECT … FOR UPDATE locks on the primary
    _db.session.rollback()
    assert set(_db.session.scalars(sa.select(Organization.name))) == {"Comune Nuovo"}
    with replica.connect() as conn:
        assert set(conn.scalars(sa.select(Organization.name))) == {REPLICA_ORG}


def test_the_replica_connection_refuses_writes(app, replica):
    engine = replica_engine(app)
    assert engine is not None
    with pytest.raises(sa.exc.DBAPIError, match="read-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE organizations SET name = 'x'"))


def test_unreachable_replica_falls_back_to_the_primary_with_a_log_line(app, primary_ticket, client, login_as, caplog):
    down = f"postgresql+psycopg://postgres:secret@127.0.0.1:{free_port()}/presidio_replica"
    app.config["DATABASE_REPLICA_URL"] = down
    try:
        login_as("operator")
        caplog.set_level(logging.WARNING, logger="app.replica")
        year = dt.date.today().year
        first = client.get(f"/ticket/sla/report?year={year}")
        assert first.status_code == 200 and PRIMARY_ORG in first.get_data(as_text=True)
        warnings = [r.getMessage() for r in caplog.records if r.name == "app.replica"]
        assert len(warnings) == 1 and "unreachable, reading from the primary" in warnings[0]
        assert "secret" not in warnings[0]
        # Within the retry interval the replica is not tried again: no second wait, no second line.
        again = client.get(f"/ticket/sla/report.csv?year={year}")
        assert again.status_code == 200 and PRIMARY_ORG in again.get_data(as_text=True)
        assert len([r for r in caplog.records if r.name == "app.replica"]) == 1
    finally:
        app.config["DATABASE_REPLICA_URL"] = None


def test_without_a_replica_reports_read_the_primary(app, primary_ticket, client, login_as):
    assert app.config["DATABASE_REPLICA_URL"] is None and replica_engine(app) is None
    login_as("operator")
    page = client.get(f"/ticket/sla/report?year={dt.date.today().year}").get_data(as_text=True)
    assert PRIMARY_ORG in page
