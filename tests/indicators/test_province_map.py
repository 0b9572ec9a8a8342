"""The province view of an indicator: a Chart.js chart of met / not met / no data and of the trend, each
drawn from a data table on the page; a server-side SVG map when INDICATORS_BOUNDARIES_FILE is set."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

GEOJSON = Path(__file__).parent / "fixtures" / "comuni_3.geojson"


def _value(org, indicator, value, as_of):
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


def _three(make_org, catalog):
    spid = catalog["PNRR-1.4.4-SPID"]
    uno, due, tre = (make_org(name=f"Comune di {n}") for n in ("Uno", "Due", "Tre"))  # ISTAT 072001..3
    _value(uno, spid, False, "2026-01-15")
    _value(uno, spid, True, "2026-03-10")
    _value(due, spid, False, "2026-02-01")
    return spid, (uno, due, tre)


def test_chart_and_its_table_without_a_map_when_no_boundaries(app, client, login_as, make_org, catalog, monkeypatch):
    spid, _ = _three(make_org, catalog)
    monkeypatch.setitem(app.config, "INDICATORS_BOUNDARIES_FILE", None)
    login_as("operator")
    html = client.get(f"/indicatori/{spid.id}?provincia=BA").get_data(as_text=True)
    assert 'data-chart="bar" data-table="ind-summary"' in html and "chart.umd.min.js" in html
    summary = html.split('id="ind-summary"')[1].split("</table>")[0]
    assert re.findall(r'data-value="(\d+)"', summary) == ["1", "1", "1"]  # met, not met, no data
    trend = html.split('id="ind-trend"')[1].split("</table>")[0]
    rows = re.findall(
        r'<th scope="row">([\d-]+)</th><td data-value="(\d+)">\d+</td><td data-value="(\d+)">'
        r'\d+</td><td data-value="(\d+)">',
        trend,
    )
    assert rows == [("2026-01", "0", "1", "2"), ("2026-02", "0", "2", "1"), ("2026-03", "1", "1", "1")]
    assert 'data-testid="indicator-map"' not in html


def test_map_of_the_province_from_the_boundary_file(app, client, login_as, make_org, catalog, monkeypatch):
    spid, (uno, due, tre) = _three(make_org, catalog)
    monkeypatch.setitem(app.config, "INDICATORS_BOUNDARIES_FILE", str(GEOJSON))
    login_as("operator")
    html = client.get(f"/indicatori/{spid.id}?provincia=BA").get_data(as_text=True)
    svg = html.split('data-testid="indicator-map"')[1].split("</figure>")[0]
    paths = re.findall(r'<path d="([^"]+)" fill="([^"]+)"[^>]*data-istat="(\d+)"[^>]*><title>([^<]+)</title>', svg)
    assert {(code, fill) for _d, fill, code, _t in paths} == {
        ("072001", "#008055"),  # met
        ("072002", "#d9364f"),  # not met
        ("072003", "#c5c7c9"),  # no data
    }
    titles = {code: title for _d, _f, code, title in paths}
    assert titles["072001"].startswith("Comune di Uno: raggiunto") and "senza dati" in titles["072003"]
    multi = next(d for d, _f, code, _t in paths if code == "072002")
    assert multi.count("M") == 2 and multi.endswith("Z")  # a MultiPolygon: two rings
    numbers = [float(n) for d, *_ in paths for n in re.findall(r"-?[\d.]+", d)]
    assert min(numbers) >= 0 and max(numbers) <= 600  # projected into the viewBox
    assert "raggiunto" in svg.split("<figcaption>")[1] and "senza dati" in svg.split("<figcaption>")[1]  # legend


def test_a_missing_or_broken_boundary_file_means_no_map_and_no_error(
    app, client, login_as, make_org, catalog, tmp_path, monkeypatch
):
    spid, _ = _three(make_org, catalog)
    login_as("operator")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ not json")
    for path in (str(tmp_path / "missing.geojson"), str(broken)):
        monkeypatch.setitem(app.config, "INDICATORS_BOUNDARIES_FILE", path)
        page = client.get(f"/indicatori/{spid.id}")
        assert page.status_code == 200 and 'data-testid="indicator-map"' not in page.get_data(as_text=True)
