"""What RQ runs. The worker builds the Flask app once at start (``set_app``), never at import."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context

_app: Flask | None = None


def set_app(app: Flask) -> None:
    global _app
    _app = app


def _context():
    if has_app_context():
        return current_app.app_context()
    if _app is None:
        raise RuntimeError("the worker did not set the Flask app")
    return _app.app_context()


def execute_in_worker(job_id: int) -> str:
    from app.jobs import execute

    with _context():
        return execute(job_id)


def execute_many_in_worker(job_ids: list[int]) -> list[str]:
    """Several outbox rows pushed together; each is claimed and recorded on its own."""
    from app.jobs import execute_many

    with _context():
        return execute_many(job_ids)


def periodic_in_worker(name: str) -> Any:
    from app.jobs import run_periodic

    with _context():
        return run_periodic(name)
