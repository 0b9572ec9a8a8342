"""Pages: the ente's scorecard (360° panel, referente's own page), the province view with sorting and exports,
the rendiconto section and the indicator.changed webhook event."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa


def _value(org, indicator, value, as_of="2026-05-31"):
    from app.db import transaction
    from indicators.services import add_value

    with transaction():
        add_value(
            organization_id=org.id,
            indicator_id=indicator.id,
            value=value,
            as_of=dt.date.fromisoformat(as_of),
            source="operator",
        )


def test_360_panel_and_scorecard_show_done_missing_and_what_the_center_offers(client, db, login_as, make_org, catalog):
    from crm.models import Service
    from indicators.services import update_indicator
    from tickets.models import Ticket

    org = make_org(name="Comune di Polignano")
    pagopa_service = Service(code="pagopa", name="Servizio pagoPA del centro")
    db.session.add(pagopa_service)
    db.session.commit()
    admin = login_as("admin")
    update_indicator(indicator_id=catalog["PNRR-1.4.3-PAGOPA"].id, actor=admin, service_ids=[pagopa_service.id])
    _value(org, catalog["PNRR-1.4.4-SPID"], True)
    _value(org, catalog["PNRR-1.4.3-PAGOPA"], 2)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))

    html = client.get(f"/crm/enti/{org.id}").get_data(as_text=True)
    assert "Agenda digitale" in html and "Servizio pagoPA del centro" in html
    page = client.get(f"/indicatori/ente/{org.id}").get_data(as_text=True)
    missing = page.split('id="sc-missing"')[1].split('id="sc-nodata"')[0]
    done = page.split('id="sc-done"')[1]
    assert "Servizi di pagamento su pagoPA" in missing and "Servizio pagoPA del centro" in missing
    assert "Accesso con SPID e CIE" in done and "Accesso con SPID e CIE" not in missing


def test_referente_sees_its_own_scorecard_only(client, login, make_user, make_org, catalog):
    own, other = make_org(), make_org()
    login(make_user("referente", organization=own))
    home = client.get("/indicatori")
    assert home.status_code == 302 and home.location.endswith(f"/indicatori/ente/{own.id}")
    assert client.get(f"/indicatori/ente/{own.id}").status_code == 200
    assert client.get(f"/indicatori/ente/{other.id}").status_code == 404
    assert client.get(f"/indicatori/{catalog['PNRR-1.2-CLOUD'].id}").status_code == 403


def test_province_view_sorts_and_exports(client, login_as, make_org, catalog):
    from openpyxl import load_workbook

    cloud = catalog["PNRR-1.2-CLOUD"]
    alpha, beta, gamma = (make_org(name=f"Comune di {n}", province="BA") for n in ("Alfa", "Beta", "Gamma"))
    make_org(name="Comune di Fuori", province="LE")
    _value(alpha, cloud, 30, "2026-01-31")
    _value(beta, cloud, 100, "2026-02-28")
    login_as("operator")
    html = client.get(f"/indicatori/{cloud.id}?provincia=BA&ordina=-value").get_data(as_text=True)
    assert html.index("Comune di Beta") < html.index("Comune di Alfa") < html.index("Comune di Gamma")
    assert "Comune di Fuori" not in html and "raggiunto" in html
    assert "2026-02" in html  # the trend by month
    csv = client.get(f"/indicatori/{cloud.id}?provincia=BA&formato=csv").get_data(as_text=True)
    assert csv.splitlines()[1:] == [
        "Comune di Alfa;BA;30 %;2026-01-31;no",
        "Comune di Beta;BA;100 %;2026-02-28;sì",
        "Comune di Gamma;BA;;;",
    ]
    xlsx = client.get(f"/indicatori/{cloud.id}?provincia=BA&formato=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[3]] == ["Comune di Beta", "BA", "100 %", "2026-02-28", "sì"]
    overview = client.get("/indicatori?provincia=BA").get_data(as_text=True)
    assert "Servizi migrati in cloud" in overview


def test_rendiconto_section_and_webhook_event(app, db, make_org, catalog):
    from indicators.scorecard import rendiconto_section
    from integrations.events import EVENTS

    org = make_org()
    assert rendiconto_section(org.id, 2026) is None
    _value(org, catalog["PNRR-1.4.3-IO"], 4)
    with app.test_request_context():
        section = rendiconto_section(org.id, 2026)
    row = next(r for r in section["rows"] if r[1] == "Servizi pubblicati su App IO")
    assert row[2] == "4 servizi" and row[5] == "sì"
    assert "indicator.changed" in EVENTS
