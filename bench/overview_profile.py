"""In-process timing of the reports overview (issue 19): N calls of ``/report/`` and of
``GET /api/v1/reports/tickets`` (month and channel) with the test client against an existing bench
database, no concurrency. Prints median, p95 and SQL statements per request.

    python -m bench.overview_profile postgresql+psycopg://postgres@127.0.0.1:5432/presidio_bench [N] [--profile]
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa

from app import create_app
from app.extensions import db
from bench.measure import PASSWORD


def main() -> None:
    url = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 20
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        year = db.session.execute(sa.text("SELECT max(day) FROM report_daily_rollups")).scalar().year
        engine = db.engine
    client = app.test_client()
    client.post("/login", data={"email": "bench-admin@presidio-bench.it", "password": PASSWORD})
    api = app.test_client()
    with app.app_context():
        from app.auth.services import get_user_by_email, issue_token

        operator = get_user_by_email("bench-operator@presidio-bench.it")
        assert operator is not None, "run `make bench` once on this database (it creates the bench users)"
        _, token = issue_token(user=operator, name="overview-profile")
        db.session.commit()
    paths: dict[str, tuple[Any, str, dict[str, str]]] = {
        "overview": (client, f"/report/?from={year}-01-01&to={year}-12-31", {}),
        "api month": (api, f"/api/v1/reports/tickets?from={year}-01-01&to={year}-12-31&group_by=month", {}),
        "api channel": (api, f"/api/v1/reports/tickets?from={year}-01-01&to={year}-12-31&group_by=channel", {}),
    }
    count = [0]

    def before(*_a: object) -> None:
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    for name, (c, path, _) in paths.items():
        headers = {"Authorization": f"Bearer {token}"} if c is api else {}
        c.get(path, headers=headers)  # warm up
        times = []
        count[0] = 0
        for _ in range(n):
            t0 = time.perf_counter()
            resp = c.get(path, headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, (path, resp.status_code)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(f"{name:12s} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  SQL {count[0] / n:.0f}")
        if "--profile" in sys.argv:
            prof = cProfile.Profile()
            prof.enable()
            c.get(path, headers=headers)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats("reports/|app/", 25)


if __name__ == "__main__":
    main()
