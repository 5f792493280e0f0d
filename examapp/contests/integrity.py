"""Signals for organisers, shown and never acted on by themselves: many registrations from one
address, tries finished faster than the questions can be read, and a first try at chance level
followed by a perfect one. A factory's Wi-Fi puts hundreds of honest workers behind one address,
so these are leads to look at, not verdicts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from examapp.contests.entries import round_of
from examapp.contests.models import Contest, Participant
from examapp.exams.models import SUBMITTED, Attempt

SAME_ADDRESS_AT_LEAST = 10
SECONDS_PER_QUESTION = 3  # no one reads and answers a question faster
CHANCE_PERCENT = 40  # a first try at about what guessing gives


def signals(db: Session, contest: Contest) -> dict[str, list[dict[str, Any]]]:
    questions = sum(r.count for r in contest.exam.rules)
    addresses = [{"address": address, "registrations": n} for address, n in db.execute(
        select(Participant.address, func.count()).where(Participant.contest_id == contest.id)
        .group_by(Participant.address).having(func.count() >= SAME_ADDRESS_AT_LEAST)
        .order_by(func.count().desc()))]
    people = {p.user_id: p for p in db.scalars(
        select(Participant).where(Participant.contest_id == contest.id))}
    tries: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    too_fast = []
    done = select(Attempt).where(Attempt.exam_id == contest.id, Attempt.status == SUBMITTED)
    for attempt in db.scalars(done.order_by(Attempt.started_at)):
        person, rnd = people.get(attempt.user_id), round_of(contest, attempt.started_at)
        if person is None or rnd is None:
            continue
        tries[(person.id, rnd.number)].append(attempt)
        seconds = (attempt.submitted_at - attempt.started_at).total_seconds()
        if attempt.percent and seconds < questions * SECONDS_PER_QUESTION:
            too_fast.append({"participant_id": person.id, "name": person.name, "round": rnd.number,
                             "attempt_id": attempt.id, "seconds": round(seconds, 1),
                             "percent": float(attempt.percent)})
    jumps = []
    for (pid, number), sitting in tries.items():
        first, best = sitting[0], max(sitting[1:], key=lambda a: a.percent or 0, default=None)
        if best is not None and (first.percent or 0) <= CHANCE_PERCENT and (best.percent or 0) >= 100:
            person = next(p for p in people.values() if p.id == pid)
            jumps.append({"participant_id": pid, "name": person.name, "round": number,
                          "first_percent": float(first.percent or 0), "attempt_id": best.id})
    return {"shared_addresses": addresses, "too_fast": too_fast, "chance_then_perfect": jumps}
