"""Question files built in code for the bank tests (no committed binaries)."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = [
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "answer",
    "type",
    "topic",
    "difficulty",
    "points",
    "explanation",
]


def row(
    text: str,
    options=("Hà Nội", "Huế", "Đà Nẵng", "Sài Gòn"),
    answer="A",
    type_="",
    topic="Lịch sử",
    difficulty="easy",
    points=1,
    explanation=None,
) -> list:
    options = list(options) + [None] * (4 - len(options))
    return [text, *options, answer, type_, topic, difficulty, points, explanation]


def good_rows(count: int = 3, prefix: str = "Câu hỏi") -> list[list]:
    return [
        row(f"{prefix} {i}: thủ đô của Việt Nam là gì?", answer="ABCD"[i % 4]) for i in range(1, count + 1)
    ]


def xlsx_bytes(rows: list[list], header: list[str] | None = None, title: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text a trainer typed, not a formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], header: list[str] | None = None) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or HEADER)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue().encode("utf-8")


AIKEN = """Thủ đô của Việt Nam là gì?
A. Hà Nội
B. Huế
ANSWER: A

Sông dài nhất Việt Nam?
A. Sông Hồng
B. Sông Mê Kông
ANSWER: B
"""
