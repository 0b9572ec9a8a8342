"""The dashboards render in a real browser: Chart.js draws every chart from its data table, the
tables stay readable, the figures lead to the tickets behind them, and axe-core finds no violation."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    """Run axe-core (from npm) on the page; evaluated through the DevTools protocol, so the CSP that
    forbids inline scripts does not apply to it."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10  # axe really looked at the page
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in result["violations"]]


def charts_drawn(page) -> int:
    page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
    return page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-chart]')).filter(c => window.Chart.getChart(c)).length"
    )


def test_dashboards_render_with_charts_and_axe_clean(make_user, browser_login, march, make_agreement):
    make_agreement(march["org1"])
    page = browser_login(make_user("admin", name="Capo Centro"))
    page.set_default_timeout(30_000)  # a shared CI machine under load: Chart.js pages are heavier

    page.goto("/report/?from=2026-03-01&to=2026-03-31&group_by=organization")
    assert charts_drawn(page) == 2
    assert page.get_by_test_id("kpi-created").inner_text() == "4"
    assert page.get_by_test_id("kpi-backlog").inner_text() == "2"
    monthly = page.locator("#chart-monthly")
    assert monthly.locator("tbody tr").first.inner_text().split() == ["2026-03", "4", "2", "2"]
    assert axe_violations(page) == []

    # drill down: the backlog of Alberobello is ticket B
    row = page.locator("#figures tbody tr", has_text="Comune di Alberobello")
    row.locator("td").nth(2).get_by_role("link").click()
    assert "1 richieste in arretrato" in page.get_by_test_id("drill-summary").inner_text()
    assert page.get_by_role("link", name="AST-2026-000002").is_visible()
    assert axe_violations(page) == []

    page.goto("/report/gruppi?from=2026-03-01&to=2026-03-31")
    assert charts_drawn(page) == 2
    assert "Primo livello" in page.locator("#chart-teams").inner_text()
    assert axe_violations(page) == []

    page.goto("/report/ragioneria?year=2026")
    assert charts_drawn(page) == 3
    assert axe_violations(page) == []


def test_referente_overview_shows_only_its_ente(make_user, browser_login, march):
    page = browser_login(make_user("referente", organization=march["org2"]))
    page.set_default_timeout(30_000)
    page.goto(f"/report/?from=2026-03-01&to=2026-03-31&organization_id={march['org1'].id}")
    assert page.get_by_test_id("kpi-created").inner_text() == "2"
    assert page.get_by_label("Gruppo").count() == 0
    assert axe_violations(page) == []
    assert page.goto("/report/ragioneria").status == 403
