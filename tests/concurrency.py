"""Writers at the same time: two on one row in order, or several imports let go together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

from examapp import db
from examapp.banks.importing import ImportReport, import_questions
from examapp.banks.models import QuestionBank


def second_waits_for_first(first: Callable[[threading.Event, threading.Event], None],
                           second: Callable[[], None]) -> None:
    """Run `first(held, release)` until it sets `held` (it holds a lock, uncommitted), then `second()`;
    assert `second` is still blocked half a second later, release `first`, and wait for both."""
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=first, args=(held, release))
    holder.start()
    assert held.wait(30)
    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive(), "the second writer should wait for the first one's commit"
    release.set()
    holder.join(30)
    waiter.join(30)


def imports_at_once(app: Flask, imports: list[tuple[int, bytes]]) -> list[ImportReport]:
    """Import each (bank id, xlsx file) in a thread of its own, all starting together; the reports
    in the order the imports finished."""
    start = threading.Barrier(len(imports))
    reports: list[ImportReport] = []

    def run(bank_id: int, data: bytes) -> None:
        with app.app_context():
            s = db.session()
            bank = s.get(QuestionBank, bank_id)
            start.wait()
            reports.append(import_questions(s, bank, data, "bank.xlsx"))
            s.commit()

    threads = [threading.Thread(target=run, args=pair) for pair in imports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return reports


def held_import(app: Flask, bank_id: int, data: bytes) -> Callable[[threading.Event, threading.Event], None]:
    """An import of the xlsx `data` into the bank that holds the bank's lock, uncommitted, until
    released: a `first` for second_waits_for_first."""

    def importing(imported: threading.Event, release: threading.Event) -> None:
        with app.app_context():
            s = db.session()
            import_questions(s, s.get(QuestionBank, bank_id), data, "bank.xlsx")
            imported.set()
            release.wait(30)
            s.commit()

    return importing
