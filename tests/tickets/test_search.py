"""Full-text search in Italian (PostgreSQL tsvector, `italian` configuration) and the queue filters."""

from __future__ import annotations

from tickets import services
from tickets.models import Ticket


def ids(user, **kw):
    return {t.id for t in services.page_tickets(services.search_stmt(user, **kw), limit=200)[0]}


def test_stemming_finds_other_word_forms(db, make_user):
    op = make_user("operator")
    printer = services.open_ticket(subject="Stampante dell'anagrafe bloccata", description="Non stampa i certificati")
    other = services.open_ticket(subject="PEC non ricevute", description="La casella PEC è piena")
    assert ids(op, q="stampanti") == {printer.id}
    assert ids(op, q="certificato") == {printer.id}
    assert ids(op, q="ricevuta") == {other.id}
    assert ids(op, q="caselle") == {other.id}


def test_search_covers_public_messages_but_not_internal_notes(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Sito istituzionale", description="Errore")
    services.add_message(ticket_id=t.id, body="Il certificato SSL del dominio è scaduto", actor=op)
    services.add_message(ticket_id=t.id, body="fornitore moroso", internal=True, actor=op)
    assert ids(op, q="certificati ssl") == {t.id}
    assert ids(op, q="fornitore") == set()


def test_search_by_number_and_merge_keeps_documents(db, make_user):
    op = make_user("operator")
    a = services.open_ticket(subject="Protocollo informatico lento")
    b = services.open_ticket(subject="Altro", description="Il server del protocollo risponde lentamente")
    assert ids(op, q=a.number) == {a.id}
    assert ids(op, q="lentezza protocolli") >= set()  # no error on any input
    services.merge_tickets(source_id=b.id, target_id=a.id, actor=op)
    # the moved message now makes the survivor match its words
    assert a.id in ids(op, q="server")


def test_subject_change_updates_the_document(db, make_user):
    op = make_user("operator")
    t = services.open_ticket(subject="Problema generico")
    services.update_ticket(ticket_id=t.id, subject="Scanner del protocollo guasto", actor=op)
    assert ids(op, q="scanner") == {t.id}


def test_filters_and_saved_views(db, make_user, make_org, make_service):
    op = make_user("operator")
    other_op = make_user("operator")
    org1, org2 = make_org(), make_org()
    srv = make_service(name="Protocollo")
    a = services.open_ticket(subject="a", organization_id=org1.id, priority="urgent", service_id=srv.id, tags="pec")
    b = services.open_ticket(subject="b", organization_id=org2.id, assignee_id=op.id, channel="phone")
    c = services.open_ticket(subject="c", organization_id=org2.id, assignee_id=other_op.id)
    services.change_status(ticket_id=c.id, status="resolved", actor=op)
    assert ids(op, organization_id=org1.id) == {a.id}
    assert ids(op, priority="urgent") == {a.id}
    assert ids(op, service_id=srv.id) == {a.id}
    assert ids(op, channel="phone") == {b.id}
    assert ids(op, tag="pec") == {a.id}
    assert ids(op, assignee_id="none") == {a.id}
    assert ids(op, assignee_id=str(other_op.id)) == {c.id}
    assert ids(op, status="resolved") == {c.id}
    assert ids(op, status="aperti") == {a.id, b.id}
    assert ids(op, view="mine") == {b.id}
    assert ids(op, view="unassigned") == {a.id}


def test_keyset_pages_do_not_repeat_or_skip(db, make_user):
    op = make_user("operator")
    made = [services.open_ticket(subject=f"Ticket {i}", notify=False).id for i in range(7)]
    for sort in ("recenti", "aggiornati", "scadenza"):
        seen, cursor = [], None
        while True:
            page, cursor = services.page_tickets(services.search_stmt(op), sort=sort, limit=3, cursor=cursor)
            seen.extend(t.id for t in page)
            if not cursor:
                break
        assert sorted(seen) == sorted(made), sort
        assert len(seen) == len(set(seen))
    assert db.session.query(Ticket).count() == 7


def test_search_pages_through_every_match_newest_first(db, make_user, monkeypatch):
    """Search reads the newest tickets first, window by window of ids: with windows of two ids the
    pages still hold every match once, newest first, whether matches are dense, sparse or absent."""
    monkeypatch.setattr(services, "SEARCH_WINDOW", 2)
    op = make_user("operator")
    tickets = [
        services.open_ticket(subject=("Stampante guasta" if i in (0, 1, 2, 9, 10, 26) else f"Richiesta {i}"))
        for i in range(30)
    ]
    expected = [t.id for t in reversed(tickets) if t.subject == "Stampante guasta"]
    seen, cursor = [], None
    for _ in range(10):
        stmt = services.search_stmt(op, q="stampanti")
        page, cursor = services.page_tickets(stmt, limit=2, cursor=cursor, windowed=True)
        seen += [t.id for t in page]
        if cursor is None:
            break
    assert seen == expected
    none, cursor = services.page_tickets(services.search_stmt(op, q="fotocopiatrice"), limit=2, windowed=True)
    assert (none, cursor) == ([], None)


def test_api_search_pages_match_the_unwindowed_order(api_as, db, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_WINDOW", 2)
    for i in range(12):
        services.open_ticket(subject=f"VPN non raggiungibile dal comune {i}" if i % 3 else f"Altro {i}")
    api = api_as("operator")
    got, cursor = [], None
    while True:
        url = "/api/v1/tickets?q=vpn&limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).get_json()
        got += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    expected = [t.id for t in Ticket.query.order_by(Ticket.id.desc()) if t.subject.startswith("VPN")]
    assert got == expected and len(got) == 8
