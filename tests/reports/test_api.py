"""The ticket report's figures are exactly those of the tickets created in the test (business minutes
of the SLA calendar, medians and 90th percentiles); a referente sees only its own ente."""

from __future__ import annotations

import io

import pytest

MARCH = "/api/v1/reports/tickets?from=2026-03-01&to=2026-03-31"


def by_key(items):
    return {item["key"]: item for item in items}


def test_totals_match_the_tickets(api_as, march):
    body = api_as("admin").get(MARCH + "&group_by=organization").get_json()
    totals = body["totals"]
    assert totals["created"] == 4  # A, B, C, E (D is April)
    assert totals["resolved"] == 2  # A, C
    assert totals["backlog"] == 2  # B, E open at the end of March
    assert totals["first_response_median_minutes"] == 90.0  # 30, 60, 120, 120
    assert totals["first_response_p90_minutes"] == 120.0
    assert totals["resolution_median_minutes"] == 330.0  # 180 and 480
    assert totals["sla_met_pct"] == 66.7  # A and C met, E breached, B undecided
    assert totals["reopened"] == 1 and totals["reopen_rate_pct"] == 50.0
    assert totals["csat_avg"] == 4.0 and totals["csat_count"] == 2

    rows = by_key(body["items"])
    one, two = rows[march["org1"].id], rows[march["org2"].id]
    assert one["label"] == "Comune di Alberobello"
    assert (one["created"], one["resolved"], one["backlog"]) == (2, 1, 1)
    assert one["first_response_median_minutes"] == 90.0 and one["first_response_p90_minutes"] == 114.0
    assert one["resolution_median_minutes"] == 480.0
    assert one["sla_met_pct"] == 100.0 and one["csat_avg"] == 5.0
    assert (two["created"], two["resolved"], two["backlog"]) == (2, 1, 1)
    assert two["first_response_median_minutes"] == 75.0
    assert two["resolution_median_minutes"] == 180.0  # the pause while resolved is not counted
    assert two["sla_met_pct"] == 50.0 and two["reopen_rate_pct"] == 100.0


def test_group_by_service_channel_month_and_filters(api_as, march):
    api = api_as("operator")
    services = by_key(api.get(MARCH + "&group_by=service").get_json()["items"])
    assert services[march["service"].id]["created"] == 2
    assert services[None]["created"] == 2 and services[None]["label"] == "Senza servizio"

    channels = by_key(api.get(MARCH + "&group_by=channel").get_json()["items"])
    assert channels["email"]["created"] == 2 and channels["email"]["label"] == "Email"
    assert channels["phone"]["created"] == 1 and channels["portal"]["created"] == 1

    months = api.get("/api/v1/reports/tickets?from=2026-03-01&to=2026-04-30&group_by=month").get_json()["items"]
    assert [(m["key"], m["created"], m["resolved"], m["backlog"]) for m in months] == [
        ("2026-03", 4, 2, 2),
        ("2026-04", 1, 0, 3),
    ]
    teams = by_key(api.get(MARCH + "&group_by=team").get_json()["items"])
    assert teams[march["team"].id]["created"] == 2 and teams[march["team"].id]["label"] == "Primo livello"
    operators = by_key(api.get(MARCH + "&group_by=operator").get_json()["items"])
    assert operators[march["operator"].id]["label"] == "Olga Operatrice"

    only = api.get(MARCH + f"&group_by=priority&organization_id={march['org2'].id}&channel=portal").get_json()
    assert only["totals"]["created"] == 1 and by_key(only["items"])["urgent"]["sla_met_pct"] == 0.0


def test_referente_gets_only_its_own_ente(api_as, make_user, march):
    referente = make_user("referente", organization=march["org2"])
    api = api_as(user=referente)
    body = api.get(MARCH + f"&group_by=organization&organization_id={march['org1'].id}").get_json()
    assert [item["key"] for item in body["items"]] == [march["org2"].id]
    assert body["totals"]["created"] == 2
    assert api.get(f"/api/v1/organizations/{march['org1'].id}/report.pdf?year=2026").status_code == 404
    csv = api.get(MARCH + "&group_by=service&format=csv").get_data(as_text=True)
    assert "Comune di Alberobello" not in csv and "Totale" in csv


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-03-31&to=2026-03-01", "from"),
        ("group_by=colour", "group_by"),
        ("organization_id=abc", "organization_id"),
        ("channel=fax", "channel"),
        ("format=pdf", "format"),
    ],
)
def test_bad_input_is_422_with_the_field(api_as, query, field):
    response = api_as("admin").get(f"/api/v1/reports/tickets?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_csv_and_xlsx(api_as, march):
    from openpyxl import load_workbook

    api = api_as("admin")
    csv = api.get(MARCH + "&group_by=channel&format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("key;label;created;resolved;backlog")
    assert lines[-1].split(";")[2] == "4"
    xlsx = api.get(MARCH + "&group_by=channel&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(1, 3).value == "created" and sheet.cell(sheet.max_row, 3).value == 4


def test_facts_follow_ticket_changes(api_as, march):
    """The minute job picks up what changed since the newest fact; the sweep anything else."""
    from reports.facts import refresh_facts
    from tickets import services

    api = api_as("admin")
    services.update_ticket(ticket_id=march["tickets"]["B"], priority="low", actor=march["operator"])
    assert refresh_facts() == 1
    priorities = by_key(api.get(MARCH + "&group_by=priority").get_json()["items"])
    assert priorities["low"]["created"] == 1 and "high" not in priorities

    # a change stamped in the past (a backdated import) is older than the newest fact: the sweep finds it
    from tests.reports.conftest import at

    services.change_status(ticket_id=march["tickets"]["E"], status="resolved", now=at(20, 10), notify=False)
    assert refresh_facts() == 0
    assert refresh_facts(full=True) == 1
    assert api.get(MARCH).get_json()["totals"]["resolved"] == 3
