"""The knowledge-base API as in shared/CONTRACT.md: fields, filters, permissions, errors."""

from __future__ import annotations


def test_staff_create_read_patch_and_versions(api_as, make_service):
    service = make_service(name="ANPR")
    api = api_as("operator")
    created = api.post(
        "/api/v1/kb/articles",
        json={
            "title": "La stampante non stampa i certificati",
            "summary": "Sblocca la coda",
            "body": "<p>Annulla la coda<script>x</script></p>",
            "service_id": service.id,
            "tags": ["Stampante", "ANPR"],
            "visibility": "referenti",
        },
    )
    assert created.status_code == 201, created.json
    article = created.json
    assert {k: article[k] for k in ("status", "visibility", "language", "version", "tags")} == {
        "status": "draft",
        "visibility": "referenti",
        "language": "it",
        "version": 1,
        "tags": ["stampante", "anpr"],
    }
    assert article["body"] == "<p>Annulla la coda</p>" and article["url"].endswith("/kb/" + article["slug"])
    assert {"helpful_yes", "helpful_no", "created_at", "updated_at", "id", "service_id"} <= set(article)

    patched = api.patch(f"/api/v1/kb/articles/{article['id']}", json={"status": "published", "note": "ok"})
    assert patched.status_code == 200 and patched.json["version"] == 2
    versions = api.get(f"/api/v1/kb/articles/{article['id']}/versions").json["items"]
    assert [v["version"] for v in versions] == [2, 1] and versions[0]["note"] == "ok"

    listed = api.get("/api/v1/kb/articles", query_string={"q": "stampanti", "service_id": service.id})
    assert [a["id"] for a in listed.json["items"]] == [article["id"]] and listed.json["next_cursor"] is None
    assert api.get("/api/v1/kb/articles", query_string={"status": "draft"}).json["items"] == []
    assert api.get("/api/v1/kb/articles", query_string={"language": "en"}).json["items"] == []


def test_permissions(api_as, make_article):
    public = make_article(title="Pubblico")
    referenti = make_article(title="Referenti", visibility="referenti")
    internal = make_article(title="Interno", visibility="internal")
    draft = make_article(title="Bozza", status="draft")
    referente = api_as("referente")
    titles = {a["title"] for a in referente.get("/api/v1/kb/articles").json["items"]}
    assert titles == {"Pubblico", "Referenti"}
    assert referente.get(f"/api/v1/kb/articles/{internal.id}").status_code == 404
    assert referente.get(f"/api/v1/kb/articles/{draft.id}").status_code == 404
    assert referente.get(f"/api/v1/kb/articles/{referenti.id}").status_code == 200
    assert referente.post("/api/v1/kb/articles", json={"title": "x"}).status_code == 403
    assert referente.patch(f"/api/v1/kb/articles/{public.id}", json={"title": "x"}).status_code == 403
    assert referente.get(f"/api/v1/kb/articles/{public.id}/versions").status_code == 403
    assert api_as("finance").post("/api/v1/kb/articles", json={"title": "x"}).status_code == 403
    finance_titles = {a["title"] for a in api_as("finance").get("/api/v1/kb/articles").json["items"]}
    assert finance_titles == {"Pubblico", "Referenti", "Interno", "Bozza"}


def test_bad_input_never_500(api_as, make_article):
    api = api_as("operator")
    article = make_article()
    assert api.post("/api/v1/kb/articles", json={"summary": "x"}).status_code == 422
    bad = api.post("/api/v1/kb/articles", json={"title": "x", "visibility": "segreta"})
    assert bad.status_code == 422 and "visibility" in bad.json["error"]["fields"]
    bad = api.post("/api/v1/kb/articles", json={"title": "x\u0000"})
    assert bad.status_code == 422 and "title" in bad.json["error"]["fields"]
    assert api.post("/api/v1/kb/articles", json={"title": "x", "service_id": 99999}).status_code == 422
    assert api.post("/api/v1/kb/articles", json={"title": "x", "service_id": 2**40}).status_code == 422
    assert api.get("/api/v1/kb/articles/99999999999").status_code == 404
    assert api.patch("/api/v1/kb/articles/99999999999", json={"title": "x"}).status_code == 404
    assert api.get("/api/v1/kb/articles", query_string={"cursor": "!!"}).status_code in (400, 422)  # platform decoder
    assert api.get("/api/v1/kb/articles", query_string={"service_id": 2**40}).status_code == 422
    assert api.get("/api/v1/kb/suggest").status_code == 422
    assert api.post(f"/api/v1/kb/articles/{article.id}/feedback", json={"comment": "x"}).status_code == 422
    assert api.post(f"/api/v1/kb/articles/{article.id}/feedback", json={"helpful": "forse"}).status_code == 422


def test_feedback_and_suggest(api_as, make_article):
    article = make_article()
    make_article(title="Interna stampante", visibility="internal")
    referente = api_as("referente")
    first = referente.post(f"/api/v1/kb/articles/{article.id}/feedback", json={"helpful": True, "comment": "ok"})
    again = referente.post(f"/api/v1/kb/articles/{article.id}/feedback", json={"helpful": True})
    assert first.status_code == 200 and again.json == {"helpful_yes": 1, "helpful_no": 0}
    assert referente.get(f"/api/v1/kb/articles/{article.id}").json["helpful_yes"] == 1
    items = referente.get("/api/v1/kb/suggest", query_string={"q": "la stampante non stampa"}).json["items"]
    assert [i["id"] for i in items] == [article.id]
    assert set(items[0]) >= {"id", "title", "url", "score"}


def test_deflection_stats_api(api_as, make_article, referente):
    from kb.services import record_deflection

    article = make_article()
    record_deflection(article_id=article.id, user=referente, source="portal", query="stampante")
    stats = api_as("operator").get("/api/v1/kb/stats").json
    assert stats["deflected"] == 1 and stats["opened"] == 0 and stats["deflection_rate"] == 1.0
    assert stats["top_articles"][0]["id"] == article.id
    assert api_as("referente").get("/api/v1/kb/stats").status_code == 403
    assert api_as("operator").get("/api/v1/kb/stats", query_string={"from": "2026-02-30"}).status_code == 422
