"""Background jobs: outbox committed with the change, relayed to RQ, nothing lost when Redis is down,
retries with backoff, failed jobs visible to admins who can retry them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.auth.services import create_user, get_user_by_email
from app.db import transaction, utcnow
from app.jobs import JOBS, enqueue, execute, job, relay
from app.jobs.models import JobStatus, OutboxJob
from tests.app.conftest import inline_jobs

FLAKY = {"failures_left": 0}


@job("test.make_user")
def _make_user(email: str) -> None:
    create_user(email=email, role="operator")


@job("test.flaky")
def _flaky(email: str) -> None:
    if FLAKY["failures_left"] > 0:
        FLAKY["failures_left"] -= 1
        raise RuntimeError("servizio esterno non raggiungibile")
    create_user(email=email, role="operator")


def _status(db, job_id: int) -> OutboxJob:
    db.session.expire_all()
    return db.session.get(OutboxJob, job_id)


def test_job_runs_only_after_commit_through_a_real_worker(db, run_jobs):
    with transaction():
        row = enqueue("test.make_user", email="dopo.commit@example.it")
        assert get_user_by_email("dopo.commit@example.it") is None
    assert _status(db, row.id).status == JobStatus.QUEUED
    run_jobs()
    assert get_user_by_email("dopo.commit@example.it") is not None
    assert _status(db, row.id).status == JobStatus.DONE


def test_a_rolled_back_change_takes_its_job_with_it(db, run_jobs):
    with pytest.raises(RuntimeError), transaction():
        enqueue("test.make_user", email="mai@example.it")
        raise RuntimeError("boom")
    run_jobs()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == 0
    assert get_user_by_email("mai@example.it") is None


def test_no_job_is_lost_while_redis_is_down(db, app, config_override, run_jobs):
    real_redis = app.config["REDIS_URL"]
    config_override(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there: Redis is "down"
    ids = []
    for i in range(5):
        with transaction():
            ids.append(enqueue("test.make_user", email=f"redis-giu-{i}@example.it").id)
    assert {_status(db, i).status for i in ids} == {JobStatus.PENDING}
    assert relay() == 0  # still down: the relay keeps them
    app.config["REDIS_URL"] = real_redis  # Redis is back
    assert relay() == 5
    run_jobs()
    assert {_status(db, i).status for i in ids} == {JobStatus.DONE}
    assert all(get_user_by_email(f"redis-giu-{i}@example.it") for i in range(5))


def test_inline_mode_runs_jobs_right_after_commit(db, app):
    with inline_jobs(app):
        with transaction():
            row = enqueue("test.make_user", email="inline@example.it")
            assert get_user_by_email("inline@example.it") is None
        assert get_user_by_email("inline@example.it") is not None
        assert _status(db, row.id).status == JobStatus.DONE


def test_failures_retry_with_exponential_backoff_then_fail_visibly(db, app):
    FLAKY["failures_left"] = 10
    with inline_jobs(app), transaction():
        row = enqueue("test.flaky", email="flaky@example.it", max_attempts=3)
    job_id = row.id
    first = _status(db, job_id)
    assert (first.status, first.attempts) == (JobStatus.PENDING, 1)
    delay1 = first.run_after - utcnow()
    assert dt.timedelta(seconds=20) < delay1 <= dt.timedelta(seconds=30)
    assert "servizio esterno non raggiungibile" in first.last_error
    assert relay() == 0  # not due yet
    execute(job_id)
    second = _status(db, job_id)
    assert second.attempts == 2
    assert second.run_after - utcnow() > dt.timedelta(seconds=50)  # doubled
    execute(job_id)
    final = _status(db, job_id)
    assert (final.status, final.attempts) == (JobStatus.FAILED, 3)
    assert final.finished_at is not None


def test_admin_sees_a_failed_job_and_retries_it(client, db, app, login_as, get_csrf, run_jobs):
    FLAKY["failures_left"] = 1
    with transaction():
        row = enqueue("test.flaky", email="riprova@example.it", max_attempts=1)
    run_jobs()
    assert _status(db, row.id).status == JobStatus.FAILED
    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "test.flaky" in page and "servizio esterno non raggiungibile" in page
    assert "Riprova" in page
    admin_home = client.get("/admin").get_data(as_text=True)
    assert "Job falliti" in admin_home
    response = client.post(f"/admin/jobs/{row.id}/riprova", data={"csrf_token": get_csrf("/admin/jobs")})
    assert response.status_code == 302
    assert "Job rimesso in coda." in client.get("/admin/jobs").get_data(as_text=True)
    run_jobs()
    assert _status(db, row.id).status == JobStatus.DONE
    assert get_user_by_email("riprova@example.it") is not None
    audit = client.get(f"/admin/audit?object_type=outbox_jobs&object_id={row.id}").get_data(as_text=True)
    assert "retry" in audit


def test_retry_without_csrf_is_refused(client, db, login_as):
    row = OutboxJob(name="test.flaky", payload={}, status=JobStatus.FAILED)
    db.session.add(row)
    db.session.commit()
    login_as("admin")
    assert client.post(f"/admin/jobs/{row.id}/riprova").status_code == 400
    assert _status(db, row.id).status == JobStatus.FAILED


def test_jobs_api_lists_failed_and_retries(api_as, db, run_jobs):
    FLAKY["failures_left"] = 1
    with transaction():
        row = enqueue("test.flaky", email="api-retry@example.it", max_attempts=1)
    run_jobs()
    api = api_as("admin")
    body = api.get("/api/v1/jobs?status=failed").get_json()
    assert [j["id"] for j in body["items"]] == [row.id]
    assert body["items"][0]["status"] == "failed"
    response = api.post(f"/api/v1/jobs/{row.id}/retry")
    assert response.status_code == 200
    assert response.get_json()["status"] in ("pending", "queued")
    run_jobs()
    assert _status(db, row.id).status == JobStatus.DONE


def test_a_job_left_running_by_a_killed_worker_is_sent_again(db, run_jobs):
    row = OutboxJob(
        name="test.make_user",
        payload={"email": "orfano@example.it"},
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=utcnow() - dt.timedelta(hours=1),
    )
    db.session.add(row)
    db.session.commit()
    assert relay() == 1
    run_jobs()
    assert _status(db, row.id).status == JobStatus.DONE
    assert get_user_by_email("orfano@example.it") is not None


def test_the_same_job_never_runs_twice_at_once(db, app):
    with inline_jobs(app):
        row = OutboxJob(name="test.make_user", payload={"email": "una.volta@example.it"})
        db.session.add(row)
        db.session.commit()
        assert execute(row.id) == "done"
        assert execute(row.id) == "skipped"


def test_worker_command_serves_the_queues(app, db):
    with transaction():
        job_id = enqueue("test.make_user", email="dal.worker@example.it").id
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert _status(db, job_id).status == JobStatus.DONE
    assert get_user_by_email("dal.worker@example.it") is not None


def test_periodic_jobs_are_registered_for_the_scheduler():
    from app.jobs import PERIODIC

    assert PERIODIC["jobs.relay"] <= 60
    assert "auth.purge_login_failures" in PERIODIC
    assert all(name in JOBS for name in PERIODIC)
