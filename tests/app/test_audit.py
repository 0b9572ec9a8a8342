"""The audit log: every change of every audited model, with before/after, browsable by object and user."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit import AuditEntry
from app.auth.services import create_user, update_user
from app.db import transaction


def _entries(db, **where):
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(AuditEntry, k) == v)
    return db.session.scalars(stmt).all()


def test_create_update_delete_are_recorded_with_actor_and_before_after(db, make_user, make_org):
    admin = make_user("admin")
    user = create_user(email="mario.rossi@example.it", role="operator", name="Mario", actor=admin)
    update_user(user=user, name="Mario Rossi", actor=admin)
    org = make_org(name="Comune di Prova")
    with transaction(actor=admin):
        db.session.delete(org)
    created, updated = _entries(db, object_type="users", object_id=str(user.id))
    assert created.action == "create" and created.actor_id == admin.id
    assert created.changes["email"] == [None, "mario.rossi@example.it"]
    assert updated.action == "update"
    assert updated.changes == {"name": ["Mario", "Mario Rossi"]}
    deleted = _entries(db, object_type="organizations", action="delete")[0]
    assert deleted.changes["name"] == ["Comune di Prova", None]
    assert deleted.organization_id == org.id


def test_secrets_are_never_written_to_the_audit_log(db, make_user):
    user = make_user("operator")
    for entry in _entries(db, object_type="users", object_id=str(user.id)):
        assert "password_hash" not in entry.changes


def test_a_rolled_back_change_leaves_no_audit_entry(db, make_user):
    user = make_user("operator")
    before = len(_entries(db))
    try:
        with transaction(actor=user):
            user.name = "Non salvato"
            db.session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert len(_entries(db)) == before


def test_every_flush_of_a_transaction_is_recorded_and_a_rolled_back_savepoint_only_drops_its_own(
    db, make_user, make_org
):
    admin = make_user("admin")
    kept = make_org(name="Comune Tenuto")
    undone = make_org(name="Comune Annullato")
    with transaction(actor=admin):
        kept.name = "Comune Tenuto Rinominato"
        db.session.flush()
        savepoint = db.session.begin_nested()
        undone.name = "Mai salvato"
        db.session.flush()
        savepoint.rollback()
        kept.phone = "0801234567"
        db.session.flush()
    updates = _entries(db, object_type="organizations", action="update")
    assert [(e.object_id, sorted(e.changes)) for e in updates] == [(str(kept.id), ["name"]), (str(kept.id), ["phone"])]
    assert all(e.actor_id == admin.id for e in updates)


def _rows(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_audit_page_filters_by_object_and_by_user(client, login_as, make_user):
    admin = login_as("admin")
    other_admin = make_user("admin")
    a = create_user(email="uno@example.it", role="operator", actor=admin)
    b = create_user(email="due@example.it", role="operator", actor=other_admin)
    update_user(user=a, name="Primo Utente", actor=other_admin)

    page = _rows(client, f"/admin/audit?object_type=users&object_id={a.id}")
    assert "Primo Utente" in page
    assert "uno@example.it" in page
    assert "due@example.it" not in page

    page = _rows(client, f"/admin/audit?actor={admin.email}")
    assert "uno@example.it" in page
    assert "due@example.it" not in page
    assert "Primo Utente" not in page

    page = _rows(client, f"/admin/audit?actor_id={other_admin.id}")
    assert "due@example.it" in page and "Primo Utente" in page
    assert f"Utente #{b.id}" in page


def test_audit_page_pages_backwards(client, login_as, make_user):
    admin = login_as("admin")
    for i in range(55):
        create_user(email=f"u{i:02d}@example.it", role="operator", actor=admin)
    page = client.get(f"/admin/audit?actor_id={admin.id}").get_data(as_text=True)
    assert "u54@example.it" in _rows(client, f"/admin/audit?actor_id={admin.id}")
    assert "u00@example.it" not in _rows(client, f"/admin/audit?actor_id={admin.id}")
    assert "Più vecchie" in page
    import re

    older = re.search(r'href="([^"]*before=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    page2 = _rows(client, older)
    assert "u00@example.it" in page2 and "u54@example.it" not in page2


def test_audit_page_ignores_bad_filters(client, login_as):
    login_as("admin")
    assert client.get("/admin/audit?actor_id=abc&before=x&object_type=nope").status_code == 200


def test_audit_api_lists_with_filters_and_keyset_pages(api_as, make_user):
    api = api_as("admin")
    for i in range(5):
        create_user(email=f"api{i}@example.it", role="operator", actor=api.user)
    response = api.get(f"/api/v1/audit?actor_id={api.user.id}&object_type=users&limit=2")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["changes"]["email"][1] for e in body["items"]] == ["api4@example.it", "api3@example.it"]
    seen = [e["id"] for e in body["items"]]
    while body["next_cursor"]:
        body = api.get(
            f"/api/v1/audit?actor_id={api.user.id}&object_type=users&limit=2&cursor={body['next_cursor']}"
        ).get_json()
        seen += [e["id"] for e in body["items"]]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)


def test_audit_api_is_for_admins_only(api_as):
    response = api_as("operator").get("/api/v1/audit")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
