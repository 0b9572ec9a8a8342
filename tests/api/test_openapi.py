"""/api/v1/openapi.json describes the API as it really is (CONTRACT.md, "Robustness promises").

These tests read the document and the app's real routes and answers, so a route added without its
documentation, or documentation that drifts from the answers, fails here (schemathesis, in
test_schemathesis.py, then fuzzes every operation against the same document)."""

from __future__ import annotations

import re

import jsonschema
import pytest

ERRORS = ("400", "401", "403", "404", "409", "422")


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].split("/")
        node = spec[name[1]][name[2]][name[3]]
    return node


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and not rule.rule.endswith("openapi.json"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            yield path, sorted(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})


def test_every_api_route_and_method_is_documented(app, spec):
    missing = [
        f"{method.upper()} {path}"
        for path, methods in api_rules(app)
        for method in methods
        if method not in spec["paths"].get(path, {})
    ]
    assert missing == []


def test_every_operation_documents_the_real_error_body_and_it_matches(spec, client, api_as):
    error_schema = resolve(spec, {"$ref": "#/components/schemas/Error"})
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status in ERRORS:
                documented = resolve(spec, operation["responses"][status])
                assert resolve(spec, documented["content"]["application/json"]["schema"]) == error_schema
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    components = {"components": spec["components"]}
    real = [
        client.get("/api/v1/tickets").get_json(),  # 401
        api_as("referente").get("/api/v1/jobs").get_json(),  # 403
        api_as("admin").get("/api/v1/tickets/999").get_json(),  # 404
        api_as("admin").post("/api/v1/tickets", json={}).get_json(),  # 422
        api_as("admin").get("/api/v1/tickets?cursor=x").get_json(),  # 400
    ]
    for body in real:
        jsonschema.validate(body, {**error_schema, **components})


def test_every_documented_operation_answers_and_never_with_405_or_500(spec, api_as):
    api = api_as("admin")
    for path, operations in spec["paths"].items():
        url = re.sub(r"\{\w+\}", "1", path)
        for method in operations:
            if method == "parameters":
                continue
            response = api.client.open(url, method=method.upper(), headers=api.headers, json={})
            assert response.status_code not in (405, 500), (method, path, response.status_code)
            assert str(response.status_code) in operations[method]["responses"] or response.status_code < 300, (
                method,
                path,
                response.status_code,
            )


def test_bodies_money_nullables_and_204s_are_described(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            if method == "patch":
                assert "requestBody" in operation, path
            if "204" in operation.get("responses", {}):
                assert "content" not in resolve(spec, operation["responses"]["204"]), path
    schemas = spec["components"]["schemas"]
    for name, field in [("Payment", "amount"), ("Invoice", "total"), ("Agreement", "annual_fee_fixed")]:
        prop = schemas[name]["properties"][field]
        assert prop["type"] == "string" and prop["pattern"] == "^-?\\d+(\\.\\d{1,2})?$", (name, field)
    assert schemas["Agreement"]["properties"]["fee_per_inhabitant"]["pattern"] == "^-?\\d+(\\.\\d{1,4})?$"
    assert schemas["Ticket"]["properties"]["assignee_id"]["nullable"] is True
    assert schemas["Contact"]["properties"]["consent_at"]["nullable"] is True
    assert schemas["TicketCreate"]["properties"]["subject"]["maxLength"] == 300
    assert "\\u0000" in schemas["TicketCreate"]["properties"]["subject"]["pattern"]
