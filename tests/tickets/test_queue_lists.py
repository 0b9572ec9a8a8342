"""The queue's filter lists and row names follow the catalog as it changes (they are kept between
requests: a stale list would hide a new operator or show an ente under its old name)."""

from __future__ import annotations

import re

from app.extensions import db
from tickets import choices, services


def _options(html: str, select_id: str) -> dict[str, str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_new_and_renamed_entries_show_on_the_next_page(client, login, make_user, make_org):
    login(make_user("operator", name="Olga Operatrice"))
    org = make_org(name="Comune di Molfetta")
    ticket = services.open_ticket(subject="Rete lenta", organization_id=org.id, notify=False)
    html = client.get("/ticket/").get_data(as_text=True)
    assert _options(html, "f-org")[str(org.id)] == "Comune di Molfetta"
    assert "Olga Operatrice" in _options(html, "f-assignee").values()
    assert "Olga Operatrice" in _options(html, "bulk-assignee").values()

    newcomer = make_user("operator", name="Nino Nuovo")
    org.name = "Comune di Molfetta (BA)"
    db.session.commit()
    services.update_ticket(ticket_id=ticket.id, assignee_id=newcomer.id, actor=None)
    html = client.get("/ticket/").get_data(as_text=True)
    assert _options(html, "f-org")[str(org.id)] == "Comune di Molfetta (BA)"
    assert _options(html, "f-assignee")[str(newcomer.id)] == "Nino Nuovo"
    row = re.search(rf"<tr>(?:(?!</tr>).)*{ticket.number}.*?</tr>", html, re.S).group(0)
    assert "Comune di Molfetta (BA)" in row and "Nino Nuovo" in row

    newcomer.active = False
    org.active = False
    db.session.commit()
    html = client.get(f"/ticket/?assignee_id={newcomer.id}").get_data(as_text=True)
    assert str(newcomer.id) not in _options(html, "f-assignee")
    assert str(org.id) not in _options(html, "f-org")
    row = re.search(rf"<tr>(?:(?!</tr>).)*{ticket.number}.*?</tr>", html, re.S).group(0)
    # no longer in the pick lists, still named on the tickets they hold
    assert "Comune di Molfetta (BA)" in row and "Nino Nuovo" in row


def test_filter_keeps_the_chosen_entry_selected(client, login, make_user, make_org):
    op = login(make_user("operator", name="Sara Selezionata"))
    org = make_org(name="Comune di Trani")
    html = client.get(f"/ticket/?organization_id={org.id}&assignee_id={op.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{org.id}" selected>Comune di Trani</option>', html)
    assert re.search(rf'<option value="{op.id}" selected>Sara Selezionata</option>', html)


def test_a_long_ente_list_is_loaded_on_demand(client, login, make_user, make_org, monkeypatch):
    """Thousands of enti are not written into every queue page: the page holds the chosen one and the
    list comes from its own address (revalidated by ETag), for operators only."""
    monkeypatch.setattr(choices, "INLINE_MAX", 2)
    login(make_user("operator"))
    orgs = [make_org(name=f"Comune numero {i}") for i in range(4)]
    html = client.get(f"/ticket/?organization_id={orgs[2].id}").get_data(as_text=True)
    assert _options(html, "f-org") == {"": "tutti", str(orgs[2].id): "Comune numero 2"}
    url = re.search(r'id="f-org"[^>]*data-options-url="([^"]+)"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    listed = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', response.get_data(as_text=True)))
    assert listed == {str(o.id): o.name for o in orgs}
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    orgs[0].name = "Comune rinominato"
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 200 and "Comune rinominato" in again.get_data(as_text=True)


def test_the_option_lists_are_for_operators(client, login, make_user, make_org):
    org = make_org()
    login(make_user("referente", organization=org))
    assert client.get("/ticket/opzioni/organizations").status_code in (403, 404)
