"""The API's one validation layer (app/schemas.py, app/api.py): hostile text, huge integers, cursors,
deep or broken JSON, wrong content types and money — 400/404/415/422 naming the field, never 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api import json_depth
from app.schemas import Money


def post_raw(api, path: str, raw: str | bytes, content_type: str = "application/json"):
    return api.client.post(path, data=raw, headers={**api.headers, "Content-Type": content_type})


@pytest.mark.parametrize(
    ("text", "label"),
    [("Stampante\x00rotta", "U+0000"), ("a\udc80b", "U+DC80"), ("bell\x07", "U+0007"), ("c1\x85", "U+0085")],
)
def test_text_with_a_nul_surrogate_or_control_character_is_422_naming_the_field(api_as, text, label):
    api = api_as("admin")
    raw = json.dumps({"subject": "Stampante", "description": text})  # ensure_ascii: a lone surrogate survives
    response = post_raw(api, "/api/v1/tickets", raw)
    assert response.status_code == 422, response.data
    assert label in response.get_json()["error"]["fields"]["description"][0]
    assert api.get("/api/v1/tickets").get_json()["items"] == []


def test_hostile_text_in_a_query_or_inside_a_list_is_422(api_as):
    api = api_as("admin")
    response = api.get("/api/v1/tickets?q=stampante%00")
    assert response.status_code == 422 and "q" in response.get_json()["error"]["fields"]
    response = api.post("/api/v1/tickets", json={"subject": "Rete", "tags": ["ok", "ko\x1b"]})
    assert response.status_code == 422 and "tags" in response.get_json()["error"]["fields"]


def test_tabs_and_newlines_are_ordinary_text(api_as):
    response = api_as("admin").post("/api/v1/tickets", json={"subject": "Rete", "description": "riga 1\n\triga 2\r\n"})
    assert response.status_code == 201, response.data
    assert response.get_json()["description"] == "riga 1\n\triga 2\r\n"


@pytest.mark.parametrize(
    "path", ["/api/v1/tickets/99999999999", "/api/v1/organizations/2147483648", "/api/v1/contacts/-1"]
)
def test_an_id_beyond_the_column_in_a_path_is_404(api_as, path):
    response = api_as("admin").get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_integer_beyond_the_column_in_a_body_or_filter_is_422(api_as):
    api = api_as("admin")
    response = api.post("/api/v1/tickets", json={"subject": "Rete", "organization_id": 2**40})
    assert response.status_code == 422 and "organization_id" in response.get_json()["error"]["fields"]
    response = api.get(f"/api/v1/tickets?organization_id={10**30}")
    assert response.status_code == 422 and "organization_id" in response.get_json()["error"]["fields"]


def test_json_nested_deeper_than_64_is_400_and_64_is_read(api_as):
    api = api_as("admin")
    deep = '{"subject": "x", "tags": ' + "[" * 65 + "]" * 65 + "}"
    response = post_raw(api, "/api/v1/tickets", deep)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    huge = '{"subject": "x", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert post_raw(api, "/api/v1/tickets", huge).status_code == 400
    fine = '{"subject": "x", "tags": ' + "[" * 63 + "]" * 63 + "}"
    assert post_raw(api, "/api/v1/tickets", fine).status_code == 422  # read, then refused by the schema


def test_brackets_inside_strings_do_not_count_as_depth():
    assert json_depth(b'{"a": "[[[[[[{{{{\\"]]]"}') == 1
    assert json_depth(b"[[1], [[2]]]") == 3


@pytest.mark.parametrize(
    ("raw", "content_type", "statuses"),
    [
        ("subject=x", "application/x-www-form-urlencoded", (415, 422)),
        ('{"subject": "x"}', "text/plain", (415, 422)),
        ("\xff\xfe", "application/json", (400,)),
        ("[1, 2]", "application/json", (422,)),
        ('"just a string"', "application/json", (422,)),
        ("null", "application/json", (422,)),
        ("", "application/json", (400, 422)),
    ],
)
def test_a_body_of_the_wrong_kind_is_a_clean_4xx(api_as, raw, content_type, statuses):
    api = api_as("admin")
    for path in ("/api/v1/tickets", "/api/v1/payments", "/api/v1/organizations"):
        response = post_raw(api, path, raw.encode("latin-1"), content_type)
        assert response.status_code in statuses, (path, response.status_code, response.data)
        assert response.get_json()["error"]["code"]


def test_a_reply_with_an_unsupported_content_type_is_415(api_as, db):
    api = api_as("admin")
    ticket = api.post("/api/v1/tickets", json={"subject": "Rete"}).get_json()
    response = post_raw(api, f"/api/v1/tickets/{ticket['id']}/messages", b"ciao", "text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


# --- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        '"1.500"',
        '"1.500,00"',
        '"1,50"',
        "1500.0",
        "1500",
        "1e1000",
        '"1e3"',
        '"NaN"',
        '"Infinity"',
        '" 15.00"',
        '"15.00 "',
        '"+15.00"',
        '"99999999999.00"',
        "true",
    ],
)
def test_money_in_is_only_a_canonical_string(api_as, amount):
    api = api_as("finance")
    raw = '{"invoice_id": 1, "paid_on": "2026-03-01", "method": "bonifico", "amount": ' + amount + "}"
    response = post_raw(api, "/api/v1/payments", raw)
    assert response.status_code == 422, response.data
    assert "amount" in response.get_json()["error"]["fields"]


def test_agreements_read_money_the_same_way(api_as, make_org, db):
    from crm.models import Service

    org = make_org()
    service = Service(code="SRV", name="Servizio")
    db.session.add(service)
    db.session.commit()
    api = api_as("admin")
    body = {
        "organization_id": org.id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "service_ids": [service.id],
    }
    created = api.post("/api/v1/agreements", json={**body, "annual_fee_fixed": "1500.5", "fee_per_inhabitant": "0.035"})
    assert created.status_code == 201, created.data
    agreement = created.get_json()
    assert (agreement["annual_fee_fixed"], agreement["fee_per_inhabitant"]) == ("1500.50", "0.0350")
    response = api.patch(f"/api/v1/agreements/{agreement['id']}", json={"annual_fee_fixed": "1.500"})
    assert response.status_code == 422 and "annual_fee_fixed" in response.get_json()["error"]["fields"]
    response = api.patch(f"/api/v1/agreements/{agreement['id']}", json={"annual_fee_fixed": 1500})
    assert response.status_code == 422
    assert api.get(f"/api/v1/agreements/{agreement['id']}").get_json()["annual_fee_fixed"] == "1500.50"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.none(), st.booleans(), st.decimals()))
def test_the_money_field_accepts_exactly_the_canonical_pattern(value):
    import re

    from marshmallow import ValidationError

    field = Money()
    canonical = isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]{1,2})?", value)
    try:
        loaded = field.deserialize(value)
    except ValidationError:
        assert not canonical or len(value.lstrip("-").split(".")[0]) > 10
    else:
        assert canonical
        assert field._serialize(loaded, None, None) == f"{loaded:.2f}"
