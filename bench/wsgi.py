"""What gunicorn serves during the benchmark: the real app plus a bare "hello" route (the baseline)."""

from __future__ import annotations

import os

from app import create_app

app = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL"),
        "RQ_QUEUE_PREFIX": "presidio-bench",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", "bench-secret"),
        "INBOUND_TOKEN": os.environ.get("BENCH_INBOUND_TOKEN"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5},
    }
)


@app.get("/_bench/hello")
def hello() -> str:
    return "hello"
