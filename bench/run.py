"""Orchestration of one benchmark run."""

from __future__ import annotations

import argparse
import os


def make_app(args: argparse.Namespace):
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "REDIS_URL": args.redis_url,
            "RQ_QUEUE_PREFIX": "presidio-bench",
            "SECRET_KEY": "bench-secret",
        }
    )


def run(args: argparse.Namespace) -> int:
    from bench.setup import ensure_database, prepare

    os.makedirs(os.path.join(os.path.dirname(__file__), "out"), exist_ok=True)
    ensure_database(args.database_url)
    app = make_app(args)
    with app.app_context():
        info = prepare(tickets=args.tickets, orgs=args.orgs, reset=args.reset)
    print(f"bench: data ready: {info['sizes']} ({info['database_size']})")
    if args.load_only:
        return 0
    from bench.measure import measure

    return measure(app, args, info)
