"""axe-core finds no serious or critical violation on any main page, on a desktop (1366 px) and on a
phone (390 px), for the staff and for a referente. The pages are filled with the demo data, loaded once
for the module, so tables, badges and forms have real content to check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1366, "phone": 390}

# (name, who, path): the path may name an id found in the demo data, filled in by `_paths`.
PAGES = [
    ("login", None, "/login"),
    ("home", "admin@presidio.example.it", "/"),
    ("dashboard", "operatore@presidio.example.it", "/ticket/dashboard"),
    ("ticket-queue", "operatore@presidio.example.it", "/ticket/"),
    ("ticket-workspace", "operatore@presidio.example.it", "/ticket/{ticket}"),
    ("ticket-new", "operatore@presidio.example.it", "/ticket/nuovo"),
    ("ente-360", "admin@presidio.example.it", "/crm/enti/{org}"),
    ("enti", "admin@presidio.example.it", "/crm/enti"),
    ("contacts", "admin@presidio.example.it", "/crm/contatti"),
    ("convenzioni", "admin@presidio.example.it", "/crm/convenzioni"),
    ("convenzione-form", "admin@presidio.example.it", "/crm/convenzioni/{agreement}/modifica"),
    ("convenzione-new", "admin@presidio.example.it", "/crm/convenzioni/nuova"),
    ("invoices", "ragioneria@presidio.example.it", "/ragioneria/fatture"),
    ("invoice", "ragioneria@presidio.example.it", "/ragioneria/fatture/{invoice}"),
    ("triage", "operatore@presidio.example.it", "/inbound"),
    ("reports", "admin@presidio.example.it", "/report/"),
    ("kb-staff", "operatore@presidio.example.it", "/kb/gestione"),
    ("kb-portal", "referente@presidio.example.it", "/kb"),
    ("kb-article", "referente@presidio.example.it", "/kb/{article}"),
    ("indicators", "admin@presidio.example.it", "/indicatori"),
    ("portal-home", "referente@presidio.example.it", "/portale"),
    ("portal-new", "referente@presidio.example.it", "/portale/nuova"),
    ("portal-ticket", "referente@presidio.example.it", "/portale/richieste/{portal_ticket}"),
    ("portal-invoices", "referente@presidio.example.it", "/ragioneria/fatture"),
    ("portal-invoice", "referente@presidio.example.it", "/ragioneria/fatture/{portal_invoice}"),
]


@pytest.fixture(autouse=True)
def db(app):
    """The demo data stays for the whole module (loaded once by `demo`): no truncation per test."""
    from app.extensions import db as _db

    yield _db
    _db.session.rollback()
    _db.session.remove()


@pytest.fixture(scope="module")
def demo(app, browser, live_server) -> Any:
    """Demo data, the ids the paths need, and one logged-in browser state per account."""
    from app.demo import DEMO_PASSWORD, load_demo
    from app.extensions import db as _db
    from billing.models import Invoice
    from crm.models import Agreement
    from kb.models import Article
    from tickets.models import Ticket

    load_demo()
    _db.session.commit()
    referente = _db.session.execute(
        sa.text("SELECT organization_id FROM users WHERE email = 'referente@presidio.example.it'")
    ).scalar_one()
    first = lambda stmt: _db.session.scalars(stmt.limit(1)).one()  # noqa: E731
    ids = {
        "ticket": first(sa.select(Ticket.id).order_by(Ticket.id)),
        "org": referente,
        "agreement": first(sa.select(Agreement.id).order_by(Agreement.id)),
        "invoice": first(sa.select(Invoice.id).where(Invoice.number.is_not(None)).order_by(Invoice.id)),
        "article": first(sa.select(Article.slug).where(Article.status == "published").order_by(Article.id)),
        "portal_ticket": first(sa.select(Ticket.id).where(Ticket.organization_id == referente).order_by(Ticket.id)),
        "portal_invoice": first(
            sa.select(Invoice.id)
            .where(Invoice.organization_id == referente, Invoice.number.is_not(None))
            .order_by(Invoice.id)
        ),
    }
    states: dict[str, Any] = {}
    for email in {who for _, who, _ in PAGES if who}:
        context = browser.new_context(base_url=live_server.url, locale="it-IT")
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.get_by_role("button", name="Accedi").click()
        page.wait_for_load_state()
        states[email] = context.storage_state()
        context.close()
    yield {"ids": ids, "states": states}
    _db.session.rollback()
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with _db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def axe_serious(page) -> list[str]:
    """axe-core (from npm) on the page, evaluated through the DevTools protocol (the CSP forbids inline
    scripts, not this); only the violations of impact serious or critical, with where they are."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert len(result["passes"]) > 10  # axe really looked at the page
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize(("name", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_axe_finds_no_serious_violation(demo, browser, live_server, name, who, path, width):
    context = browser.new_context(
        base_url=live_server.url,
        locale="it-IT",
        viewport={"width": width, "height": 900},
        storage_state=demo["states"][who] if who else None,
    )
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        response = page.goto(path.format(**demo["ids"]))
        assert response and response.status == 200, f"{name}: {response and response.status}"
        assert axe_serious(page) == []
    finally:
        context.close()
