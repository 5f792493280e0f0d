"""Import a 10,000-question xlsx into SQLite and PostgreSQL and compare with the pandas calamine read.

    .venv/bin/python bench/import_bench.py [--questions N] [--repeat R]

The floor is `pandas.read_excel(engine="calamine")` of the same file, measured in the same run.
"read" is the importer (calamine read plus its row rules), "validate" the bank's own checks
(duplicates against the bank), "write" the bulk inserts and the commit. Questions are written
while the file is still being read (PostgreSQL through one open COPY, the server storing rows
while this process reads on; SQLite chunk by chunk), so "read" includes the writing done
meanwhile and "write" is only what is left once the last row has been checked: on PostgreSQL,
mostly the server catching up.

Each import is paired with a floor read just before it. On a busy machine single runs swing
by 2x, so each stage is reported as its fastest run, the ratio as fastest total over fastest
floor (both as close to the machine's real speed as the run got), and beside it the median of
the paired ratios. The load average is printed so a result can be read against it.
PostgreSQL: EXAMAPP_BENCH_DATABASE_URL or postgresql://postgres@127.0.0.1:5432/test; a scratch
database is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from examapp import create_app, db
from examapp.banks.importing import import_questions
from examapp.banks.service import create_bank
from examapp.db import normalise_url

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
HEADER = ["STT", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án",
          "Chủ đề", "Mức độ", "Điểm", "Giải thích"]
TOPICS = ["Lịch sử Đảng", "Điều lệ Đảng", "Nghị quyết Đại hội XIII", "Pháp luật", "Kinh tế"]
LEVELS = ["Nhận biết", "Thông hiểu", "Vận dụng"]


def build_file(path: Path, count: int) -> None:
    """A bank like the ones trainers keep: Vietnamese headers, a title row, four options each."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Câu hỏi")
    sheet.append(["NGÂN HÀNG CÂU HỎI THI TÌM HIỂU LỊCH SỬ ĐẢNG"])
    sheet.append(HEADER)
    for i in range(1, count + 1):
        sheet.append([
            i, f"Câu {i}: Đại hội đại biểu toàn quốc lần thứ {i % 13 + 1} của Đảng họp vào năm nào "
               f"và quyết định những vấn đề gì (mã {i})?",
            f"Năm {1930 + i % 90} tại Hà Nội", f"Năm {1931 + i % 90} tại Huế",
            f"Năm {1932 + i % 90} tại Sài Gòn", f"Năm {1933 + i % 90} tại Việt Bắc",
            "ABCD"[i % 4], TOPICS[i % len(TOPICS)], LEVELS[i % len(LEVELS)], 1 if i % 5 else 2,
            "Xem Văn kiện Đảng toàn tập" if i % 3 == 0 else None,
        ])
    workbook.save(path)


def floor_seconds(path: Path) -> float:
    started = time.perf_counter()
    pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    return time.perf_counter() - started


def import_run(url: str, path: Path, repeat: int) -> dict[str, float]:
    """Import the file into a new bank `repeat` times, each right after its own floor read.

    Returns each stage's fastest time, the fastest total over the fastest floor, and the
    median of the paired ratios.
    """
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    db.upgrade(app.extensions["examapp.engine"])
    runs = []
    with app.app_context():
        for attempt in range(repeat):
            s = db.session()
            bank = create_bank(s, f"bench {attempt} {uuid.uuid4().hex[:6]}")
            s.commit()
            floor = floor_seconds(path)
            started = time.perf_counter()
            report = import_questions(s, bank, path, path.name)
            commit_started = time.perf_counter()
            s.commit()
            done = time.perf_counter()
            assert report.imported > 0 and not report.errors, report.errors[:3]
            runs.append({**report.seconds, "write": report.seconds["write"] + done - commit_started,
                         "total": done - started, "imported": report.imported, "floor": floor,
                         "ratio": (done - started) / floor})
    app.extensions["examapp.engine"].dispose()
    fastest = {key: min(r[key] for r in runs) for key in ("floor", "read", "validate", "write", "total")}
    return {**fastest, "imported": runs[0]["imported"], "ratio": fastest["total"] / fastest["floor"],
            "median_ratio": statistics.median(r["ratio"] for r in runs)}


def postgres_scratch(admin_url: str):
    """Create a scratch database; returns its URL and a function that drops it."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"examapp_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.xlsx"
        build_file(path, args.questions)
        floor_seconds(path)  # warm the page cache and pandas' imports
        results = {"sqlite": import_run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", path, args.repeat)}
        pg_url = os.environ.get("EXAMAPP_BENCH_DATABASE_URL", DEFAULT_PG)
        try:
            url, drop = postgres_scratch(pg_url)
        except Exception as exc:  # no server: say so and go on with SQLite alone
            print(f"PostgreSQL skipped ({make_url(pg_url).render_as_string()}): {exc}", file=sys.stderr)
        else:
            try:
                results["postgresql"] = import_run(url, path, args.repeat)
            finally:
                drop()
    load_after = os.getloadavg()
    print(f"{args.questions} questions, {args.repeat} runs per backend on {os.cpu_count()} cores; "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print("fastest run of each stage; x floor = fastest total / fastest floor; median x = median of "
          "the paired ratios")
    print(f"{'':<12}{'floor':>8}{'read':>8}{'validate':>10}{'write':>8}{'total':>8}{'q/s':>8}"
          f"{'x floor':>9}{'median x':>10}")
    for name, r in results.items():
        print(f"{name:<12}{r['floor']:>8.3f}{r['read']:>8.3f}{r['validate']:>10.3f}{r['write']:>8.3f}"
              f"{r['total']:>8.3f}{r['imported'] / r['total']:>8.0f}{r['ratio']:>9.2f}"
              f"{r['median_ratio']:>10.2f}")
        print(f"{'':<12}the importer's read alone: {r['read'] / r['floor']:.2f}x the floor; "
              f"validate + write: {(r['validate'] + r['write']) / r['floor']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
