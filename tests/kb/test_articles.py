"""Article rules: sanitized body, every edit a version with its author, who reads what, feedback once,
translations linked, audit of every change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import Conflict, Forbidden, Invalid, NotFound
from kb import services
from kb.models import ArticleVersion


def test_body_is_sanitized_and_every_edit_is_a_version_with_its_author(make_article, operator, make_user, db):
    article = make_article(body='<p onclick="x()">Ciao<script>alert(1)</script> <a href="javascript:x">link</a></p>')
    assert "script" not in article.body and "onclick" not in article.body and "javascript" not in article.body
    assert article.version == 1 and article.slug == "la-stampante-dell-anagrafe-non-stampa-i-certificati"

    admin = make_user("admin")
    services.update_article(article_id=article.id, actor=admin, title="Stampante: certificati bloccati", note="titolo")
    same = services.update_article(article_id=article.id, actor=admin, title="Stampante: certificati bloccati")
    assert same.version == 2  # nothing changed: no new version

    versions = services.list_versions(article_id=article.id, user=operator)
    assert [(v.version, v.author_id, v.title) for v in versions] == [
        (2, admin.id, "Stampante: certificati bloccati"),
        (1, operator.id, "La stampante dell'anagrafe non stampa i certificati"),
    ]
    current, previous = services.get_version(article_id=article.id, version=2, user=operator)
    from kb.text import diff_lines

    lines = diff_lines(services.version_text(previous), services.version_text(current))
    assert ("add", "Stampante: certificati bloccati") in lines
    assert ("del", "La stampante dell'anagrafe non stampa i certificati") in lines


def test_every_article_change_is_audited(make_article, operator):
    from app.audit import AuditEntry
    from app.extensions import db

    article = make_article()
    services.update_article(article_id=article.id, actor=operator, visibility="internal")
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "kb_articles").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes["visibility"] == ["public", "internal"] and entries[1].actor_id == operator.id
    services.record_view(article.id)  # counters are not edits
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.object_type == "kb_articles")
        )
        == 2
    )


def test_only_staff_write(make_article, referente, make_user):
    with pytest.raises(Forbidden):
        services.create_article(actor=referente, title="x")
    with pytest.raises(Forbidden):
        services.create_article(actor=make_user("finance"), title="x")
    article = make_article()
    with pytest.raises(Forbidden):
        services.update_article(article_id=article.id, actor=referente, title="y")


def test_visibility_and_drafts(make_article, referente, operator, make_user):
    from flask_login import AnonymousUserMixin

    anonymous = AnonymousUserMixin()
    public = make_article(title="Pubblico")
    for_referenti = make_article(title="Per i referenti", visibility="referenti")
    internal = make_article(title="Interno", visibility="internal")
    draft = make_article(title="Bozza", status="draft")
    archived = make_article(title="Archiviato", status="archived")

    def readable(user) -> set[str]:
        items, _ = services.list_articles(user=user)
        return {a.title for a in items}

    assert readable(anonymous) == {"Pubblico"}
    assert readable(referente) == {"Pubblico", "Per i referenti"}
    assert readable(operator) == {"Pubblico", "Per i referenti", "Interno", "Bozza", "Archiviato"}
    assert readable(make_user("finance")) == readable(operator)
    for article in (for_referenti, internal, draft, archived):
        with pytest.raises(NotFound):
            services.visible_article(anonymous, article.id)
    for article in (internal, draft):
        with pytest.raises(NotFound):
            services.article_by_slug(referente, article.slug)
    assert services.visible_article(referente, for_referenti.id) == for_referenti
    assert services.visible_article(anonymous, public.id) == public
    with pytest.raises(NotFound):
        services.list_versions(article_id=public.id, user=referente)


def test_feedback_counts_once_per_user_and_per_browser(make_article, referente, make_user):
    from flask_login import AnonymousUserMixin

    article = make_article()
    services.record_feedback(article_id=article.id, user=referente, helpful=True)
    services.record_feedback(article_id=article.id, user=referente, helpful=True, comment="Perfetto")
    other = make_user("referente")
    services.record_feedback(article_id=article.id, user=other, helpful=False, comment="Non basta")
    anonymous = AnonymousUserMixin()
    services.record_feedback(article_id=article.id, user=anonymous, helpful=True, browser_id="b1")
    services.record_feedback(article_id=article.id, user=anonymous, helpful=True, browser_id="b1")
    result = services.record_feedback(article_id=article.id, user=anonymous, helpful=False, browser_id="b2")
    assert (result.helpful_yes, result.helpful_no) == (2, 2)
    # changing one's mind replaces the vote
    result = services.record_feedback(article_id=article.id, user=other, helpful=True)
    assert (result.helpful_yes, result.helpful_no) == (3, 1)
    assert [c.comment for c in services.feedback_comments(article.id)] == ["Perfetto"]
    with pytest.raises(Invalid):
        services.record_feedback(article_id=article.id, user=anonymous, helpful=True)
    with pytest.raises(Invalid):
        services.record_feedback(article_id=article.id, user=referente, helpful=True, comment="a\x00b")


def test_translations_are_linked_and_one_per_language(make_article, operator):
    original = make_article(title="Accedere con SPID")
    english = make_article(title="Access with SPID", language="en", translation_of_id=original.id)
    assert english.translation_of_id == original.id
    assert services.translations_of(original) == [english]
    assert services.translations_of(english) == [original]
    with pytest.raises(Conflict):
        make_article(title="Another English one", language="en", translation_of_id=english.id)


def test_bad_input_is_422_naming_the_field(make_article, operator):
    with pytest.raises(Invalid) as exc:
        services.create_article(actor=operator, title="")
    assert "title" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_article(actor=operator, title="x", status="pubblicato")
    assert "status" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_article(actor=operator, title="x", service_id=999999)
    assert "service_id" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.create_article(actor=operator, title="x\ud800")
    assert "title" in exc.value.fields
    with pytest.raises(NotFound):
        services.visible_article(operator, 2**40)


def test_slugs_are_unique_and_never_shadow_pages(make_article):
    first = make_article(title="Protocollo")
    second = make_article(title="Protocollo")
    assert (first.slug, second.slug) == ("protocollo", "protocollo-2")
    assert make_article(title="Gestione").slug == "gestione-articolo"


def test_versions_are_kept_when_the_article_changes(make_article, operator, db):
    article = make_article()
    for i in range(3):
        services.update_article(article_id=article.id, actor=operator, summary=f"sommario {i}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleVersion)) == 4
