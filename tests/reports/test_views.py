"""The admin schedules reports and alerts on the web page; only admins reach it."""

from __future__ import annotations


def test_admin_schedules_a_report_and_an_alert(client, login_as, get_csrf, march):
    login_as("admin")
    token = get_csrf("/report/pianificazioni")
    response = client.post(
        "/report/pianificazioni",
        data={
            "s-csrf_token": token,
            "s-name": "Panoramica mensile al capo",
            "s-kind": "overview",
            "s-frequency": "monthly",
            "s-recipients": "capo@centro.example.it, vice@centro.example.it",
            "s-submit_schedule": "Pianifica",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/report/pianificazioni",
        data={
            "a-csrf_token": token,
            "a-name": "Arretrato primo livello",
            "a-metric": "team_backlog",
            "a-threshold": "20",
            "a-team_id": str(march["team"].id),
            "a-recipients": "capo@centro.example.it",
            "a-submit_alert": "Aggiungi la soglia",
        },
    )
    assert response.status_code == 302
    page = client.get("/report/pianificazioni").get_data(as_text=True)
    assert "Panoramica mensile al capo" in page and "vice@centro.example.it" in page
    assert "Arretrato primo livello" in page


def test_only_admins_schedule(client, login_as):
    login_as("operator")
    assert client.get("/report/pianificazioni").status_code == 403
    assert client.get("/report/").status_code == 200
