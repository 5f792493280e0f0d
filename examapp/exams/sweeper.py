"""The in-server sweeper: finalises attempts whose time ran out even when nobody touches them again.

Each server process runs one daemon thread, started on its first request (so CLI commands and a
gunicorn master that forks workers never carry one). Several processes sweeping at once is safe:
finalising is UPDATE ... WHERE status = 'in_progress', so only one of them grades an attempt.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time

from flask import Flask

from examapp import db
from examapp.db import utcnow
from examapp.exams.finalising import sweep

log = logging.getLogger(__name__)


def sweep_once(app: Flask) -> list[int]:
    with app.app_context():
        done = sweep(db.session(), utcnow(), float(app.config["GRACE_SECONDS"]))
    if done:
        log.info("finalised %d attempt(s) whose time ran out", len(done))
    return done


def _loop(app: Flask, interval: float) -> None:
    jitter = random.Random()
    while True:
        # Spread the processes' sweeps over the interval instead of all at once.
        time.sleep(interval * (0.5 + jitter.random()))
        try:
            sweep_once(app)
        except Exception:
            log.exception("the sweep failed; trying again next interval")


def init_app(app: Flask) -> None:
    """Start the sweeper thread in each serving process (not under TESTING, not when interval <= 0)."""
    interval = float(app.config.get("SWEEP_INTERVAL_SECONDS", 30))
    if app.testing or interval <= 0:
        return
    started = {"pid": 0}
    lock = threading.Lock()

    @app.before_request
    def _start_sweeper() -> None:
        if started["pid"] == os.getpid():
            return
        with lock:
            if started["pid"] != os.getpid():
                started["pid"] = os.getpid()
                threading.Thread(target=_loop, args=(app, interval), name="exam-sweeper",
                                 daemon=True).start()
