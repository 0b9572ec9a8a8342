"""`make bench`: Presidio measured at scale against PostgreSQL (see docs/scale-out.md).

``python -m bench --tickets 1000000`` makes sure a benchmark database holds that volume (``seed
bulk``), serves the real app with gunicorn, drives the user-facing pages and API calls with a
bounded concurrent load client, checks the query plans of each (``EXPLAIN (ANALYZE, BUFFERS)``: no
sequential scan of a big table) and prints a table of throughput and p50/p95/p99 latency, next to a
bare "hello" route served by the same gunicorn, so each figure reads as a ratio to what the machine
can do at all. Results go to ``bench/out/`` (JSON, plans) and ``bench/RESULTS.md``.
"""
