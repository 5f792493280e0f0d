"""The floors examapp's exam server is compared with: a bare Flask route, and a bare Flask route that
commits one answer upsert to PostgreSQL (the same app as shared/perf/bare_app.py, kept here so the
benchmark runs from the repository alone)."""

from __future__ import annotations

import os

from flask import Flask, request
from psycopg_pool import ConnectionPool

app = Flask(__name__)
_pool: ConnectionPool | None = None


def pool() -> ConnectionPool:
    global _pool
    if _pool is None:
        _pool = ConnectionPool(os.environ["FLOOR_PG"], min_size=1, max_size=4)
    return _pool


@app.get("/health")
def health():
    return "ok"


@app.put("/save/<int:attempt>/<int:question>")
def save(attempt: int, question: int):
    body = request.get_json(force=True, silent=True) or {}
    with pool().connection() as conn:
        row = conn.execute(
            "INSERT INTO floor_answer (attempt_id, question_id, choice, revision, saved_at)"
            " VALUES (%s, %s, %s, 1, now()) ON CONFLICT (attempt_id, question_id) DO UPDATE"
            " SET choice = excluded.choice, revision = floor_answer.revision + 1, saved_at = now()"
            " RETURNING revision", (attempt, question, body.get("choice", "A"))).fetchone()
    return {"revision": row[0]}
