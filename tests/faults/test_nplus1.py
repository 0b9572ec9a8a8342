"""N+1 guard: a list page sends the same number of SQL statements whatever the number of rows.

``count_statements`` records every statement a request sends; each page is measured with a little
data and again with ten times more. A page whose count grows with its rows is loading per row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.bulk import load_bulk
from app.extensions import db


@contextlib.contextmanager
def count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


PAGES = [
    ("operator", "/ticket/"),
    ("operator", "/ticket/?status=closed"),
    ("operator", "/crm/enti"),
    ("operator", "/inbound"),
    ("admin", "/admin/audit"),
    ("referente", "/portale"),
    ("api", "/api/v1/tickets?limit=50"),
    ("api", "/api/v1/organizations?limit=50"),
]


def _statements(client, path: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    db.session.remove()
    with count_statements() as statements:
        response = client.get(path, headers=headers)
    db.session.remove()  # the request shares the test's app context: end its transaction
    assert response.status_code == 200, (path, response.status_code, response.data[:300])
    return len(statements), statements


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_list_page_does_not_query_per_row(app, client, make_user, login, role, path):
    from app.auth.services import issue_token

    load_bulk(tickets=6, orgs=2, echo=lambda _m: None)
    org_id = db.session.scalar(sa.text("SELECT organization_id FROM tickets ORDER BY id LIMIT 1"))
    headers: dict[str, str] = {}
    if role == "api":
        _, raw = issue_token(user=make_user("operator"), name="n+1")
        headers = {"Authorization": f"Bearer {raw}"}
    else:
        login(make_user(role, organization=db.session.get(_org_model(), org_id) if role == "referente" else None))
    small, _ = _statements(client, path, headers)

    db.session.remove()
    load_bulk(tickets=60, orgs=8, echo=lambda _m: None)
    # the referente's ente gets more tickets too
    db.session.execute(sa.text("UPDATE tickets SET organization_id = :o WHERE id % 2 = 0"), {"o": org_id})
    db.session.commit()
    big, statements = _statements(client, path, headers)
    assert big <= small + 1, f"{path}: {small} statements with few rows, {big} with many:\n" + "\n".join(
        s.split("\n")[0][:160] for s in statements
    )


def _org_model():
    from crm.models import Organization

    return Organization
