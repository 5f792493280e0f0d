"""The benchmarks in bench/ still run against the code as it is.

At tiny sizes: what they measure is not checked here, only that they still work.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, REDIS_URL

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_bench_imports_a_small_file_into_every_database():
    env = {**os.environ, "EXAMAPP_BENCH_DATABASE_URL": PG_ADMIN_URL or "postgresql://127.0.0.1:1/none"}
    done = subprocess.run([sys.executable, "bench/import_bench.py", "--questions", "60", "--repeat", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("sqlite") for line in lines), done.stdout
    assert any(line.startswith("postgresql") for line in lines) == bool(PG_ADMIN_URL), done.stdout


def test_the_exam_burst_seeds_its_room(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import exam_burst
    finally:
        sys.path.remove(str(ROOT / "bench"))
    seeded = exam_burst.seed(f"sqlite:///{tmp_path / 'burst.sqlite3'}", 3, "bench-secret")
    assert len(seeded.usernames) == 3 and set(seeded.tickets) == set(seeded.usernames)
    assert seeded.exam_id > 0


@pytest.mark.skipif(not (PG_ADMIN_URL and REDIS_URL), reason="the room runs on PostgreSQL and Redis only")
def test_the_room_shape_checks_every_acknowledged_answer_against_postgresql():
    done = subprocess.run(
        [sys.executable, "bench/exam_burst.py", "--shape", "room", "--candidates", "6", "--room-rates", "20",
         "--arrival-seconds", "1", "--saves", "3", "--floor-seconds", "0.5", "--open-seconds", "0.5",
         "--workers", "2", "--pg", PG_ADMIN_URL, "--redis", REDIS_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "candidates with a paper: 6 of 6" in done.stdout, done.stdout
    checked = re.search(r"checked against PostgreSQL: attempts (\d+), submitted (\d+), "
                        r"answers acknowledged (\d+), lost (\d+), score mismatches (\d+)", done.stdout)
    assert checked and checked.groups() == ("6", "6", "18", "0", "0"), done.stdout


@pytest.mark.skipif(not (PG_ADMIN_URL and REDIS_URL), reason="the contest bench runs on PostgreSQL and Redis")
def test_the_contest_bench_measures_a_small_contest():
    done = subprocess.run(
        [sys.executable, "bench/contest_bench.py", "--entries", "300", "--sitters", "20",
         "--registrations", "30", "--registration-seconds", "2", "--floor-seconds", "1",
         "--open-seconds", "1", "--workers", "2",
         "--pg", PG_ADMIN_URL, "--redis", REDIS_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for figure in ("rebuild of every board", "board update", "board top 10", "submit a try", "registration"):
        assert figure in done.stdout, done.stdout
    errors = [line for line in done.stdout.splitlines() if line.startswith(("submit a try", "registration"))]
    assert all(line.split()[-1] == "0" for line in errors), done.stdout
