"""read_questions(accept=...): each valid question handed over as soon as its row is checked."""

from __future__ import annotations

import pytest

from importers import read_questions
from tests.importers.importer_files import ENGLISH_HEADER, xlsx_bytes

ROWS = [
    ENGLISH_HEADER,
    ["Thủ đô?", "Hà Nội", "Huế", None, None, "A"],
    ["Thiếu đáp án", "Một", "Hai", None, None, ""],
    ["Sông dài nhất?", "Hồng", "Mê Kông", None, None, "B"],
    ["thủ  đô?", "Huế", "Hà Nội", None, None, "B"],  # the first row again: an error on this copy
    ["Đảng ra đời năm 1930.", None, None, None, None, "Đúng"],
]
AIKEN = ("Thủ đô?\nA. Hà Nội\nB. Huế\nANSWER: A\n\nKhông có đáp án\nA. Một\nB. Hai\n\n"
         "Sông?\nA. Hồng\nB. Cửu Long\nANSWER: B\n")
GIFT = "::a:: Thủ đô? {=Hà Nội ~Huế}\n\n::b:: Hỏng {=}\n\n::c:: Đảng ra đời năm 1930. {T}\n"


@pytest.mark.parametrize(("data", "name"), [
    (xlsx_bytes(ROWS), "bank.xlsx"),
    ("\n".join(",".join(cell or "" for cell in row) for row in ROWS).encode(), "bank.csv"),
    (AIKEN.encode(), "bank.txt"),
    (GIFT.encode(), "bank.gift"),
])
def test_accept_gets_exactly_the_valid_questions_in_order_as_each_row_is_checked(data, name):
    accepted = []
    seen_at = []

    def progress(done: int, total: int) -> None:
        seen_at.append(len(accepted))

    result = read_questions(data, name, progress=progress, accept=accepted.append)
    assert result.errors and result.questions
    assert [id(q) for q in accepted] == [id(q) for q in result.questions]
    assert not {e.row for e in result.errors} & {q.row for q in accepted}
    # Handed over while the file was still being checked, not all at the end.
    assert seen_at[0] < len(accepted)


def test_an_error_raised_by_accept_reaches_the_caller_as_it_is():
    def accept(question) -> None:
        raise LookupError("the caller's own failure")

    with pytest.raises(LookupError, match="the caller's own failure"):
        read_questions(xlsx_bytes(ROWS), "bank.xlsx", accept=accept)
