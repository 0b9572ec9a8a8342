"""Real services that a test may break: a private redis-server, a private PostgreSQL cluster
(``pgcluster.py``), a private Dovecot, real worker processes.

Never the shared Redis or PostgreSQL: the private servers run on their own ports and are stopped,
killed and started by the tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import free_port
from tests.contact_center.conftest import dovecot, imap_account, make_mailbox  # noqa: F401 - real IMAP fixtures

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def wait_port(port: int, *, up: bool = True, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'down' if up else 'up'} after {timeout}s")


class PrivateRedis:
    """A redis-server of our own on a free port (no persistence)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None
            wait_port(self.port, up=False)


@pytest.fixture
def private_redis(app) -> Iterator[PrivateRedis]:
    """The app's jobs go to a private Redis for this test; ``stop()``/``start()`` it at will."""
    if not (shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server")):
        pytest.fail("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    old = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = server.url
    try:
        yield server
    finally:
        app.config["REDIS_URL"] = old
        server.stop()


def count(table: str) -> int:
    from app.extensions import db

    db.session.rollback()
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608


def start_worker(app, *args: str, **env: str) -> subprocess.Popen:
    """The real ``worker`` command in a subprocess (its own process group, so a SIGKILL of the group
    takes RQ's forked scheduler too), on the test database, the app's Redis and queue prefix."""
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.worker_proc", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
            "REDIS_URL": app.config["REDIS_URL"],
            "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
            "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"],
            "PYTHONPATH": ROOT,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for(
    condition, *, timeout: float = 60.0, what: str = "condition", proc: subprocess.Popen | None = None, state=None
):
    """Poll ``condition()`` until it returns something truthy; fail after ``timeout`` (or if ``proc`` dies)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"worker exited ({proc.returncode}) while waiting for {what}:\n{out[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f": {state()}" if state else ""))
        time.sleep(0.1)
