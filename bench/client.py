"""A bounded concurrent HTTP load client (threads, http.client): enough for 2 gunicorn workers."""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0
    bytes: int = 0
    errors: list[str] = field(default_factory=list)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        k = max(0, min(len(data) - 1, int(round(p / 100 * len(data) + 0.5)) - 1))
        return data[k] * 1000

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        ok = sum(v for k, v in self.statuses.items() if 200 <= k < 400)
        return {
            "name": self.name,
            "requests": n,
            "ok": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "throughput_rps": round(n / self.wall, 1) if self.wall else None,
            "p50_ms": round(self.pct(50), 1),
            "p95_ms": round(self.pct(95), 1),
            "p99_ms": round(self.pct(99), 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1) if n else None,
            "avg_bytes": int(self.bytes / n) if n else 0,
            "errors": self.errors[:3],
        }


class Http:
    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def login(self, email: str, password: str) -> str:
        """A session cookie, through the real login form (CSRF included)."""
        status, headers, body = self.request("GET", "/login")
        cookie = _cookie(headers)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not match:
            raise RuntimeError(f"no CSRF token on /login ({status})")
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": match.group(1).decode()})
        status, headers, _ = self.request(
            "POST",
            "/login",
            form.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        if status != 302:
            raise RuntimeError(f"login of {email} failed: {status}")
        return _cookie(headers) or cookie


def _cookie(headers: dict[str, str]) -> str:
    raw = headers.get("Set-Cookie") or headers.get("set-cookie") or ""
    return raw.split(";", 1)[0]


def drive(
    http: Http, name: str, make: Callable[[int], Request], *, concurrency: int, max_requests: int, max_seconds: float
) -> Result:
    """Send requests made by ``make(i)`` from ``concurrency`` threads until either bound is reached."""
    result = Result(name)
    lock = threading.Lock()
    counter = iter(range(10**9))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        while True:
            with lock:
                i = next(counter)
            if i >= max_requests or time.monotonic() > deadline:
                return
            method, path, body, headers = make(i)
            started = time.perf_counter()
            try:
                status, _, data = http.request(method, path, body, headers)
            except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
                status, data = 599, b""
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.bytes += len(data)
                if status >= 400 and len(result.errors) < 3:
                    result.errors.append(f"{status} {method} {path}: {data[:200]!r}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.wall = time.perf_counter() - started
    return result
