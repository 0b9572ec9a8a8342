"""The command line promised in shared/CONTRACT.md: `user create`, `token create`, `seed demo`."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from app.auth.services import get_user_by_email


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def test_user_create_admin_with_password_can_log_in(cli, client, get_csrf):
    result = cli("user", "create", "Capo@Centro.example.it", "--role", "admin", "--password", "una-password-sicura")
    assert result.exit_code == 0, result.output
    assert "created capo@centro.example.it (admin)" in result.output
    token = get_csrf("/login")
    response = client.post(
        "/login", data={"email": "capo@centro.example.it", "password": "una-password-sicura", "csrf_token": token}
    )
    assert response.status_code == 302


def test_user_create_referente_by_istat_or_belfiore_code(cli, make_org):
    org = make_org(istat_code="072006", belfiore_code="A662", name="Bari")
    assert cli("user", "create", "rtd@comune.bari.it", "--role", "referente", "--org", "72006").exit_code == 0
    assert cli("user", "create", "rtd2@comune.bari.it", "--role", "referente", "--org", "a662").exit_code == 0
    assert cli("user", "create", "rtd3@comune.bari.it", "--role", "referente", "--org", str(org.id)).exit_code == 0
    for email in ("rtd@comune.bari.it", "rtd2@comune.bari.it", "rtd3@comune.bari.it"):
        user = get_user_by_email(email)
        assert user.role == Role.REFERENTE and user.organization_id == org.id


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["user", "create", "rtd@example.it", "--role", "referente"], "needs --org"),
        (["user", "create", "rtd@example.it", "--role", "referente", "--org", "999999"], "nessun ente"),
        (["user", "create", "not-an-email", "--role", "operator"], "email"),
        (["user", "create", "a@example.it", "--role", "operator", "--password", "corta"], "10 caratteri"),
    ],
)
def test_user_create_fails_with_a_one_line_reason_on_stderr(cli, args, reason):
    result = cli(*args)
    assert result.exit_code != 0
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_user_create_twice_is_an_error(cli):
    assert cli("user", "create", "a@example.it", "--role", "operator").exit_code == 0
    result = cli("user", "create", "a@example.it", "--role", "operator")
    assert result.exit_code != 0
    assert "esiste già" in result.stderr


def test_user_create_unknown_role_is_refused(cli):
    assert cli("user", "create", "a@example.it", "--role", "boss").exit_code != 0


def test_token_create_prints_a_token_that_works_once_shown(cli, client, make_user):
    user = make_user("finance")
    result = cli("token", "create", user.email)
    assert result.exit_code == 0
    raw = result.stdout.strip()
    assert raw.startswith("prs_")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email
    from app.auth.models import ApiToken

    stored = ApiToken.query.filter_by(user_id=user.id).one()
    assert raw not in (stored.token_hash, stored.prefix)


def test_token_create_for_an_unknown_user_fails(cli):
    result = cli("token", "create", "nobody@example.it")
    assert result.exit_code != 0
    assert "nobody@example.it" in result.stderr


def test_jobs_status_and_relay_commands(cli):
    assert cli("jobs", "status").exit_code == 0
    result = cli("jobs", "relay")
    assert result.exit_code == 0
    assert "relayed" in result.output


def test_worker_without_redis_refuses_with_a_reason(cli, app, config_override):
    config_override(REDIS_URL=None)
    result = cli("worker", "--burst")
    assert result.exit_code != 0
    assert "REDIS_URL" in result.stderr
