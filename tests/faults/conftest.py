"""Real services that a test may break: a private redis-server, a TCP cut in front of PostgreSQL.

Never the shared Redis or PostgreSQL: the private Redis runs on its own port and is stopped and
started by the test; PostgreSQL stays up, the test app reaches it through a proxy that the test
can cut (every open connection reset, new ones refused) and restore, which is what an application
sees when the database restarts or a network link drops.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

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


class TcpCut:
    """A TCP proxy to PostgreSQL that can drop every connection and refuse new ones."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.down = False
        self.closed = False
        self.socks: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.socks.update((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            with self.lock:
                self.socks.discard(src)
                self.socks.discard(dst)

    def cut(self) -> None:
        """The database "restarts": every open connection is reset and new ones are refused."""
        self.down = True
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.down = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


@pytest.fixture
def pg_cut(app) -> Iterator[TcpCut]:
    url = make_url(os.environ["TEST_DATABASE_URL"])
    proxy = TcpCut(url.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def app_through(app, pg_cut):
    """A second app on the same test database, reached through ``pg_cut``.

    ``routes`` may add test-only endpoints before the first request. Its engine is disposed at the end.
    """
    from app import create_app
    from app.config import TestConfig
    from app.extensions import db

    made: list[Any] = []

    def factory(routes=None):
        url = make_url(os.environ["TEST_DATABASE_URL"]).set(host="127.0.0.1", port=pg_cut.port)
        second = create_app(
            {
                **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
                "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
                "ATTACHMENTS_DIR": app.config["ATTACHMENTS_DIR"],
                "PROPAGATE_EXCEPTIONS": False,
                "WTF_CSRF_ENABLED": False,  # the test-only routes post without a form
                "TESTING": False,
            }
        )
        if routes:
            routes(second)
        made.append(second)
        return second

    yield factory
    for second in made:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


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
