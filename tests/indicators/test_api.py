"""The indicators API as in shared/CONTRACT.md: catalog, values with history, current values, summary, scope."""

from __future__ import annotations


def test_admin_creates_and_patches_an_indicator_others_cannot(api_as):
    admin = api_as("admin")
    created = admin.post(
        "/api/v1/indicators",
        json={"code": "WIFI", "name": "Wi-Fi pubblico", "kind": "percent", "unit": "%", "target": "80"},
    )
    assert created.status_code == 201, created.json
    assert created.json["target"] == 80 and created.json["kind"] == "percent"
    ind_id = created.json["id"]
    assert admin.post("/api/v1/indicators", json={"code": "WIFI", "name": "x", "kind": "boolean"}).status_code == 422
    bad = admin.patch(f"/api/v1/indicators/{ind_id}", json={"target": "molti"})
    assert bad.status_code == 422 and "target" in bad.json["error"]["fields"]
    assert admin.patch(f"/api/v1/indicators/{ind_id}", json={"target": 90}).json["target"] == 90
    choice = admin.post("/api/v1/indicators", json={"code": "C", "name": "c", "kind": "choice"})
    assert choice.status_code == 422 and "choices" in choice.json["error"]["fields"]
    operator = api_as("operator")
    assert operator.post("/api/v1/indicators", json={"code": "X", "name": "x", "kind": "boolean"}).status_code == 403
    assert [i["code"] for i in operator.get("/api/v1/indicators").json["items"]] == ["WIFI"]
    assert operator.get("/api/v1/indicators/999999").status_code == 404


def test_values_keep_history_and_the_latest_as_of_is_current(api_as, make_org, catalog):
    org = make_org()
    api = api_as("operator")
    pagopa = catalog["PNRR-1.4.3-PAGOPA"]  # number, target 5
    for value, as_of in (("3", "2026-01-31"), (6, "2026-06-30"), (4, "2026-03-31")):
        r = api.post(
            "/api/v1/indicator-values",
            json={"organization_id": org.id, "indicator_id": pagopa.id, "value": value, "as_of": as_of},
        )
        assert r.status_code == 201, r.json
    assert r.json["source"] == "operator" and r.json["value"] == 4
    history = api.get("/api/v1/indicator-values", query_string={"organization_id": org.id, "limit": 2})
    assert len(history.json["items"]) == 2 and history.json["next_cursor"]
    rest = api.get("/api/v1/indicator-values", query_string={"cursor": history.json["next_cursor"], "limit": 2})
    assert len(rest.json["items"]) == 1

    current = {i["code"]: i for i in api.get(f"/api/v1/organizations/{org.id}/indicators").json["items"]}
    assert current["PNRR-1.4.3-PAGOPA"]["value"] == 6 and current["PNRR-1.4.3-PAGOPA"]["as_of"] == "2026-06-30"
    assert current["PNRR-1.4.3-PAGOPA"]["met"] is True and current["PNRR-1.4.3-PAGOPA"]["target"] == 5
    assert current["PNRR-1.4.4-SPID"]["value"] is None and current["PNRR-1.4.4-SPID"]["met"] is None


def test_a_value_not_of_the_kind_is_422_naming_the_field(api_as, make_org, catalog):
    org = make_org()
    api = api_as("operator")
    cases = [
        ("PNRR-1.4.4-SPID", "forse"),
        ("PNRR-1.2-CLOUD", 140),
        ("PNRR-1.4.3-IO", "tre"),
        ("PNRR-1.4.4-ANPR", "finito"),
    ]
    for code, value in cases:
        r = api.post(
            "/api/v1/indicator-values",
            json={"organization_id": org.id, "indicator_id": catalog[code].id, "value": value},
        )
        assert r.status_code == 422 and "value" in r.json["error"]["fields"], (code, r.json)
    ok = api.post(
        "/api/v1/indicator-values",
        json={"organization_id": org.id, "indicator_id": catalog["PNRR-1.4.4-SPID"].id, "value": "sì"},
    )
    assert ok.status_code == 201 and ok.json["value"] is True
    assert api.get("/api/v1/indicator-values", query_string={"organization_id": org.id}).json["items"] == [ok.json]


def test_referente_reads_and_writes_only_its_own_ente(api_as, make_org, catalog):
    own, other = make_org(), make_org()
    ref = api_as("referente", organization=own)
    spid = catalog["PNRR-1.4.4-SPID"].id
    assert ref.get(f"/api/v1/organizations/{other.id}/indicators").status_code == 404
    assert ref.get(f"/api/v1/organizations/{own.id}/indicators").status_code == 200
    r = ref.post("/api/v1/indicator-values", json={"organization_id": other.id, "indicator_id": spid, "value": True})
    assert r.status_code == 404
    api_as("operator").post(
        "/api/v1/indicator-values", json={"organization_id": other.id, "indicator_id": spid, "value": True}
    )
    assert (
        ref.post(
            "/api/v1/indicator-values", json={"organization_id": own.id, "indicator_id": spid, "value": False}
        ).status_code
        == 201
    )
    seen = ref.get("/api/v1/indicator-values").json["items"]
    assert [v["organization_id"] for v in seen] == [own.id]
    assert ref.get("/api/v1/indicator-values", query_string={"organization_id": other.id}).json["items"] == []
    assert ref.get(f"/api/v1/indicators/{spid}/summary").status_code == 403


def test_summary_over_the_comuni_of_a_province(api_as, make_org, catalog):
    from crm.models import OrgKind

    comuni = [make_org(province="BA") for _ in range(4)]
    make_org(province="BT")
    make_org(province="BA", kind=OrgKind.PROVINCIA, istat_code=None)
    api = api_as("operator")
    cloud = catalog["PNRR-1.2-CLOUD"]  # percent, target 100
    for org, value in zip(comuni[:3], (100, 50, 30), strict=True):
        api.post("/api/v1/indicator-values", json={"organization_id": org.id, "indicator_id": cloud.id, "value": value})
    r = api.get(f"/api/v1/indicators/{cloud.id}/summary", query_string={"province": "ba"})
    assert r.json == {"met": 1, "not_met": 2, "no_data": 1, "average": 60.0}
    assert api.get(f"/api/v1/indicators/{cloud.id}/summary", query_string={"province": "XXX"}).status_code == 422
