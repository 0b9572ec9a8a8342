"""Hours per convenzione and the 80% warning; the rendiconto PDF with the ente's figures; a scheduled
report arriving by email (real SMTP server) with its PDF; threshold alerts once per breach."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())  # table cells wrap words over lines


def report_emails(db):
    from app.mail import OutboundEmail

    return list(db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.category == "report")))


def test_hours_per_convenzione_and_warning_once(api_as, make_user, march, make_agreement, log_time, db):
    org1 = march["org1"]
    agreement = make_agreement(org1)
    a = march["tickets"]["A"]
    log_time(a, org1.id, 300, dt.date(2026, 3, 2))
    log_time(a, org1.id, 210, dt.date(2026, 3, 3))
    log_time(a, org1.id, 600, dt.date(2026, 3, 3), billable=False)
    log_time(a, org1.id, 60, dt.date(2025, 12, 31))  # another year
    finance = make_user("finance", email="ragioneria@cittametropolitana.example.it")
    referente = make_user("referente", organization=org1, email="referente@alberobello.example.it")

    rows = api_as(user=finance).get("/api/v1/reports/hours?year=2026").get_json()["items"]
    row = next(r for r in rows if r["agreement_id"] == agreement.id)
    assert row["organization_id"] == org1.id
    assert (row["included_hours"], row["billable_hours"], row["extra_hours"]) == ("10.00", "8.50", "0.00")

    from reports.hours import hours_rows, warn_hours

    projected = next(r for r in hours_rows(year=2026, today=dt.date(2026, 3, 31)) if r["agreement_id"] == agreement.id)
    assert str(projected["projected_hours"]) == "34.47"  # 510 minutes in 90 of 365 days

    assert warn_hours(year=2026, today=dt.date(2026, 3, 31)) == [agreement.id]
    assert warn_hours(year=2026, today=dt.date(2026, 4, 1)) == []  # once per convenzione and year
    emails = report_emails(db)
    assert len(emails) == 1
    assert set(emails[0].recipients) == {finance.email, referente.email}
    assert "85.0%" in emails[0].subject and agreement.code in emails[0].subject

    mine = api_as(user=referente).get("/api/v1/reports/hours?year=2026&format=csv").get_data(as_text=True)
    assert agreement.code in mine and "8.50" in mine


def test_rendiconto_pdf_opens_with_the_ente_figures(api_as, make_user, march, make_agreement, log_time):
    org1 = march["org1"]
    make_agreement(org1, code="CONV-ALB-2026")
    log_time(march["tickets"]["A"], org1.id, 90, dt.date(2026, 3, 2))
    referente = make_user("referente", organization=org1)
    response = api_as(user=referente).get(f"/api/v1/organizations/{org1.id}/report.pdf?year=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Comune di Alberobello" in text
    assert "Rendiconto annuale 2026" in text
    assert "Protocollo informatico" in text  # requests by service
    assert "Ottimo servizio" in text  # satisfaction with comments
    assert "Lento ma risolto" not in text  # another ente's comment
    assert "CONV-ALB-2026" in text and "1,50" in text  # hours against the convenzione
    assert api_as("admin").get(f"/api/v1/organizations/{org1.id}/report.pdf?year=20x6").status_code == 422
    assert api_as("admin").get("/api/v1/organizations/999999/report.pdf?year=2026").status_code == 404


def test_rendiconto_sections_registered_by_other_modules(api_as, march):
    from reports import rendiconto

    rendiconto.register_section(
        "test-indicators",
        lambda org_id, year: {
            "title": "Indicatori digitali",
            "header": ["Misura", "Valore"],
            "rows": [["pagoPA", "sì"]],
        },
    )
    try:
        data = api_as("admin").get(f"/api/v1/organizations/{march['org1'].id}/report.pdf?year=2026").data
    finally:
        rendiconto._SECTIONS.pop("test-indicators")
    text = pdf_text(data)
    assert "Indicatori digitali" in text and "pagoPA" in text


def test_scheduled_rendiconto_arrives_by_email_with_the_pdf(api_as, make_user, march, smtp_server, run_jobs, db):
    org2 = march["org2"]
    referente = make_user("referente", organization=org2, email="referente@bitonto.example.it")
    api = api_as("admin")
    created = api.post(
        "/api/v1/reports/schedules",
        json={
            "name": "Rendiconto trimestrale",
            "kind": "rendiconto",
            "frequency": "quarterly",
            "organization_id": org2.id,
        },
    )
    assert created.status_code == 201, created.get_json()

    from reports.scheduling import run_schedules

    assert run_schedules(today=dt.date(2026, 4, 2)) == 1
    assert run_schedules(today=dt.date(2026, 4, 20)) == 0  # 2026-Q1 already sent
    run_jobs()
    messages = [m for m in smtp_server.parsed() if "Rendiconto" in m["Subject"]]
    assert len(messages) == 1
    message = messages[0]
    assert referente.email in message["To"] and "2026-Q1" in message["Subject"]
    pdfs = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_filename().endswith("2026-Q1.pdf")
    text = pdf_text(pdfs[0].get_content())
    assert "Comune di Bitonto" in text and "Lento ma risolto" in text


def test_scheduled_overview_to_the_head_of_the_center(api_as, march, smtp_server, run_jobs):
    api = api_as("admin")
    body = {
        "name": "Panoramica mensile",
        "kind": "overview",
        "frequency": "monthly",
        "recipients": ["capo@centro.example.it"],
    }
    assert api.post("/api/v1/reports/schedules", json=body).status_code == 201
    assert api.post("/api/v1/reports/schedules", json={**body, "recipients": ["non un indirizzo"]}).status_code == 422
    assert api_as("operator").post("/api/v1/reports/schedules", json=body).status_code == 403

    from reports.scheduling import run_schedules

    assert run_schedules(today=dt.date(2026, 4, 1)) == 1
    run_jobs()
    (message,) = [m for m in smtp_server.parsed() if "Panoramica" in m["Subject"]]
    (pdf,) = list(message.iter_attachments())
    text = pdf_text(pdf.get_content())
    assert "Panoramica dell'assistenza" in text and "Primo livello" in text


def test_threshold_alerts_once_per_breach(api_as, march, db):
    from reports.facts import refresh_facts
    from reports.scheduling import check_alerts
    from tickets import services

    api = api_as("admin")
    backlog = api.post(
        "/api/v1/reports/alerts",
        json={
            "name": "Arretrato primo livello",
            "metric": "team_backlog",
            "threshold": "1",
            "team_id": march["team"].id,
            "recipients": ["capo@centro.example.it"],
        },
    )
    assert backlog.status_code == 201, backlog.get_json()
    csat = {
        "name": "Soddisfazione",
        "metric": "month_csat",
        "threshold": "4.5",
        "recipients": ["qualita@centro.example.it"],
    }
    assert api.post("/api/v1/reports/alerts", json=csat).status_code == 201
    bad = api.post("/api/v1/reports/alerts", json={**csat, "metric": "team_backlog"})
    assert bad.status_code == 422 and "team_id" in bad.get_json()["error"]["fields"]

    april = dt.datetime(2026, 4, 10, 9, tzinfo=dt.UTC)
    assert check_alerts(now=april) == 1  # March satisfaction 4.0 < 4.5; team backlog 1 is not above 1
    subjects = [e.subject for e in report_emails(db)]
    assert subjects == ["Soglia superata: Soddisfazione"]

    services.open_ticket(
        subject="Altro",
        organization_id=march["org1"].id,
        team_id=march["team"].id,
        created_at=april - dt.timedelta(hours=1),
        notify=False,
    )
    refresh_facts(full=True)
    assert check_alerts(now=april) == 1  # backlog 2 > 1
    assert check_alerts(now=april + dt.timedelta(minutes=5)) == 0  # the same breaches: no more mail
    services.change_status(ticket_id=march["tickets"]["B"], status="resolved", now=april, notify=False)
    refresh_facts(full=True)
    assert check_alerts(now=april + dt.timedelta(minutes=10)) == 0  # back under: the breach is over
    services.open_ticket(
        subject="Ancora", organization_id=march["org1"].id, team_id=march["team"].id, created_at=april, notify=False
    )
    refresh_facts(full=True)
    assert check_alerts(now=april + dt.timedelta(minutes=15)) == 1  # a new breach notifies again
    assert len(report_emails(db)) == 3
