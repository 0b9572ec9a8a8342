"""The help center and the staff pages: no login for public articles, SEO, deflection counted,
from ticket to article with personal data removed."""

from __future__ import annotations

import sqlalchemy as sa


def _token(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_public_help_center_without_login(client, make_article, db):
    public = make_article()
    internal = make_article(title="Procedura interna stampanti", visibility="internal")
    draft = make_article(title="Bozza stampanti", status="draft")
    referenti = make_article(title="Per i referenti stampanti", visibility="referenti")
    home = client.get("/kb?q=stampanti")
    html = home.get_data(as_text=True)
    assert home.status_code == 200 and public.title.replace("'", "&#39;") in html
    for hidden in (internal, draft, referenti):
        assert hidden.title not in html
        assert client.get(f"/kb/{hidden.slug}").status_code == 404
    page = client.get(f"/kb/{public.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://127.0.0.1:5000/kb/{public.slug}">' in html
    assert "<title>La stampante dell&#39;anagrafe non stampa i certificati — Guide e risposte" in html
    assert 'name="description"' in html and "kb_browser=" in page.headers["Set-Cookie"]
    client.get(f"/kb/{public.slug}")
    db.session.refresh(public)
    assert public.views == 2


def test_anonymous_feedback_once_per_browser(client, make_article, db):
    article = make_article()
    html = client.get(f"/kb/{article.slug}").get_data(as_text=True)
    for _ in range(2):
        sent = client.post(f"/kb/{article.slug}/valuta", data={"csrf_token": _token(html), "helpful": "si"})
        assert sent.status_code == 302
    db.session.refresh(article)
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    assert "Grazie per il tuo riscontro" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_referente_reads_referenti_articles_in_the_portal(client, login, referente, make_article):
    article = make_article(title="Per i referenti", visibility="referenti")
    login(referente)
    assert client.get(f"/kb/{article.slug}").status_code == 200
    assert "Guide e risposte" in client.get("/kb").get_data(as_text=True)


def test_deflection_from_the_public_form_is_counted_and_opens_no_ticket(client, make_article):
    from kb.services import deflection_stats

    article = make_article()
    form = client.get("/assistenza").get_data(as_text=True)
    assert 'id="kb-deflect"' in form and "js/kb-deflect.js" in form
    items = client.get("/kb/suggerimenti?q=la stampante non stampa i certificati").json["items"]
    assert items[0]["id"] == article.id
    solved = client.post(
        "/kb/risolto",
        json={"article_id": article.id, "source": "web", "query": "la stampante"},
        headers={"X-CSRFToken": _token(form)},
    )
    assert solved.status_code == 200 and solved.json == {"deflected": True}
    assert deflection_stats() == {
        "deflected": 1,
        "opened": 0,
        "deflection_rate": 1.0,
        "top_articles": [{"id": article.id, "title": article.title, "deflected": 1}],
    }
    assert client.post("/kb/risolto", json={"article_id": article.id, "source": "web"}).status_code == 400  # CSRF
    bad = client.post("/kb/risolto", json={"article_id": 2**40, "source": "web"}, headers={"X-CSRFToken": _token(form)})
    assert bad.status_code == 404


def test_staff_pages_and_the_deflection_rate(client, login, operator, make_article, referente):
    from kb.services import record_deflection

    article = make_article()
    record_deflection(article_id=article.id, user=referente, source="portal")
    login(operator)
    stats = client.get("/kb/statistiche").get_data(as_text=True)
    assert "100.0%" in stats
    manage = client.get("/kb/gestione")
    assert manage.status_code == 200 and article.title.replace("'", "&#39;") in manage.get_data(as_text=True)
    edit = client.get(f"/kb/gestione/{article.id}").get_data(as_text=True)
    saved = client.post(
        f"/kb/gestione/{article.id}",
        data={
            "csrf_token": _token(edit),
            "title": "Stampante: certificati",
            "summary": "",
            "body": "<p>Nuovo testo</p>",
            "service_id": "",
            "tags": "stampante, anpr",
            "status": "published",
            "visibility": "public",
            "language": "it",
            "note": "riscritto",
        },
    )
    assert saved.status_code == 302
    diff = client.get(f"/kb/gestione/{article.id}/versioni/2").get_data(as_text=True)
    assert "Nuovo testo" in diff and "kb-diff-add" in diff and "kb-diff-del" in diff


def test_referente_cannot_reach_the_staff_pages(client, login, referente, make_article):
    article = make_article()
    login(referente)
    assert client.get("/kb/gestione").status_code == 403
    assert client.get(f"/kb/gestione/{article.id}/versioni/1").status_code == 403


def test_resolved_ticket_becomes_a_draft_without_personal_data(client, login, operator, make_org, db):
    from crm.models import Contact
    from kb.models import Article
    from tickets.models import TicketStatus
    from tickets.services import add_message, change_status, open_ticket

    org = make_org(name="Comune di Molfetta")
    contact = Contact(organization_id=org.id, name="Giuseppina Lorusso", email="g.lorusso@comune.molfetta.ba.it")
    db.session.add(contact)
    db.session.commit()
    ticket = open_ticket(
        subject="Stampante anagrafe bloccata",
        description="Buongiorno, sono Giuseppina Lorusso (tel. 080 3359111, LRSGPP70A41F284X): la stampante "
        "non stampa i certificati. Scrivetemi a g.lorusso@comune.molfetta.ba.it",
        organization_id=org.id,
        requester_contact_id=contact.id,
        notify=False,
    )
    add_message(
        ticket_id=ticket.id,
        body="Gentile Giuseppina, annulli la coda di stampa e riavvii il browser. Per altro: 333 1234567.",
        actor=operator,
        notify=False,
    )
    add_message(ticket_id=ticket.id, body="Nota interna: riavviato lo spooler", internal=True, actor=operator)
    change_status(ticket_id=ticket.id, status=TicketStatus.RESOLVED, actor=operator)
    login(operator)
    page = client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
    assert "Crea un articolo da questo ticket" in page
    made = client.post(f"/ticket/{ticket.id}/kb/articolo", data={"csrf_token": _token(page)})
    assert made.status_code == 302
    article = db.session.scalar(sa.select(Article).where(Article.source_ticket_id == ticket.id))
    assert article.status.value == "draft"
    text = article.title + article.summary + article.body
    for personal in ("Giuseppina", "Lorusso", "080 3359111", "LRSGPP70A41F284X", "g.lorusso@", "333 1234567"):
        assert personal not in text
    assert "annulli la coda di stampa" in article.body and "la stampante" in article.body
    assert "spooler" not in article.body  # internal notes stay internal
