"""`seed demo` (idempotent, one user per role, referenti bound to comuni) and the embedded default:
SQLite under instance/, jobs inline, no other service — what `make run` gives a newcomer."""

from __future__ import annotations

import importlib.util

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import Role, User
from app.config import TestConfig
from app.demo import DEMO_PASSWORD

HAS_CRM_DEMO = importlib.util.find_spec("crm.demo") is not None


def _counts(db) -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(app, db, make_org):
    if not HAS_CRM_DEMO:
        make_org(istat_code="072006", name="Bari", belfiore_code="A662")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert f"password for all: {DEMO_PASSWORD}" in first.output
    for email in ("admin@presidio.example.it", "operatore@presidio.example.it", "ragioneria@presidio.example.it"):
        assert email in first.output
    roles = {u.role for u in db.session.scalars(sa.select(User))}
    assert roles == {Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.REFERENTE}
    referente = db.session.scalar(sa.select(User).where(User.email == "referente@presidio.example.it"))
    from crm.models import Organization

    bari = db.session.get(Organization, referente.organization_id)
    assert bari.istat_code == "072006"
    before = _counts(db)
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    after = _counts(db)
    before.pop("audit_entries", None), after.pop("audit_entries", None)
    before.pop("outbox_jobs", None), after.pop("outbox_jobs", None)
    assert after == before


@pytest.mark.skipif(not HAS_CRM_DEMO, reason="crm demo not merged yet")
def test_seed_demo_loads_the_41_comuni_of_bari(app, db):
    from crm.models import Organization, OrgKind

    assert app.test_cli_runner().invoke(args=["seed", "demo"]).exit_code == 0
    comuni = db.session.scalars(
        sa.select(Organization).where(Organization.kind == OrgKind.COMUNE, Organization.province == "BA")
    ).all()
    assert len(comuni) == 41
    assert {c.istat_code for c in comuni} >= {"072006", "072004", "072030"}
    # every demo referente is bound to a real comune
    for user in db.session.scalars(sa.select(User).where(User.role == Role.REFERENTE)):
        assert user.organization_id in {c.id for c in comuni}


def test_seed_demo_if_empty_does_nothing_the_second_time(app, db, make_org):
    make_org(istat_code="072006", name="Bari")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo", "--if-empty"]).exit_code == 0
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert "already present" in result.output
    assert "admin@presidio.example.it" in result.output


def test_embedded_default_on_sqlite_with_inline_jobs(tmp_path):
    """The `make run` path end to end on a temporary SQLite file: upgrade, seed, log in per role."""
    db_file = tmp_path / "presidio.sqlite3"
    application = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
            "REDIS_URL": None,
        }
    )
    from app.extensions import db
    from tests.conftest import fresh_globals_per_request

    fresh_globals_per_request(application)
    with application.app_context():
        runner = application.test_cli_runner()
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        if not HAS_CRM_DEMO:
            from crm.models import Organization, OrgKind

            db.session.add(Organization(kind=OrgKind.COMUNE, name="Bari", istat_code="072006", province="BA"))
            db.session.commit()
        seeded = runner.invoke(args=["seed", "demo"])
        assert seeded.exit_code == 0, seeded.output
        client = application.test_client()
        health = client.get("/healthz").get_json()
        assert health["database"] == "ok" and health["queue"] == "inline"
        from tests.conftest import csrf_token

        for email, home in (
            ("admin@presidio.example.it", "/admin"),
            ("operatore@presidio.example.it", None),
            ("ragioneria@presidio.example.it", None),
            ("referente@presidio.example.it", None),
        ):
            client = application.test_client()
            token = csrf_token(client, "/login")
            response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
            assert response.status_code == 302, email
            page = client.get(response.headers["Location"], follow_redirects=True)
            assert page.status_code == 200, (email, page.request.path)
            assert '<html lang="it">' in page.get_data(as_text=True)
            if home:
                assert page.request.path == home
        db.session.remove()
        db.engine.dispose()
