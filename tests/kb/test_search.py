"""Italian full-text search with stemming, on PostgreSQL and in the embedded SQLite default."""

from __future__ import annotations

import sqlalchemy as sa

from kb import services


def test_italian_stemming_finds_other_word_forms(make_article, make_user, make_service):
    from flask_login import AnonymousUserMixin

    printer = make_article()
    make_article(title="Come accedere ai servizi online con SPID", summary="", body="<p>Scegli il gestore.</p>")
    make_article(title="Avviso pagoPA non riconosciuto", summary="", body="<p>Il codice.</p>", visibility="internal")
    operator = make_user("operator")

    def titles(q: str, user=operator) -> list[str]:
        return [a.title for a, _ in services.search_articles(user, q)]

    assert titles("stampanti") == [printer.title]
    assert titles("certificato") == [printer.title]
    assert titles("la stampante non stampa i certificati")[0] == printer.title
    assert titles("avvisi pagopa") == ["Avviso pagoPA non riconosciuto"]
    assert titles("avvisi pagopa", AnonymousUserMixin()) == []  # internal: staff only
    assert titles("parolachenonesiste") == []
    assert titles("   ") == [] and titles("'&|!") == []

    items, _ = services.list_articles(user=operator, q="stampanti")
    assert [a.id for a in items] == [printer.id]


def test_suggest_ranks_the_best_match_first_and_only_published(make_article):
    from flask_login import AnonymousUserMixin

    make_article(title="SPID per i cittadini", summary="", body="<p>certificati online con SPID</p>")
    printer = make_article()
    make_article(title="Stampante in bozza", status="draft")
    items = services.suggest(AnonymousUserMixin(), "la stampante non stampa i certificati")
    assert items[0]["id"] == printer.id
    assert items[0]["url"].endswith(f"/kb/{printer.slug}")
    assert "Stampante in bozza" not in [i["title"] for i in items]


def test_embedded_sqlite_search_and_demo_articles(tmp_path):
    from app import create_app
    from app.config import TestConfig

    application = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'presidio.sqlite3'}",
            "REDIS_URL": None,
            "ATTACHMENTS_DIR": str(tmp_path / "files"),
        }
    )
    from flask_login import AnonymousUserMixin

    from app.extensions import db
    from kb.models import Article

    with application.app_context():
        runner = application.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        seeded = runner.invoke(args=["seed", "demo"])
        assert seeded.exit_code == 0, seeded.output
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) >= 6
        anonymous = AnonymousUserMixin()
        found = [i["title"] for i in services.suggest(anonymous, "la stampante non stampa i certificati")]
        assert found[0] == "La stampante dell'anagrafe non stampa i certificati"
        assert [a.title for a, _ in services.search_articles(anonymous, "stampanti")] == [found[0]]
        assert all("interna" not in t.lower() for t in found)
        client = application.test_client()
        page = client.get("/kb?q=stampanti")
        assert page.status_code == 200 and "non stampa i certificati" in page.get_data(as_text=True)
        db.session.remove()
