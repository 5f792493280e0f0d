"""Entries: each finalised try of a contest updates the participant's entry of its round (the best
try by the ranking rule) and then the boards. The standings the boards are built from come from
here too, so a board rebuilt from the database ranks as the live one did.

A try belongs to the round open at its start. Tries that end after the freeze time update the
entries (the organiser's truth) but not the public boards until the results are published.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examapp.contests import ranking
from examapp.contests.models import (
    Contest,
    ContestResult,
    ContestRound,
    ContestUnit,
    Entry,
    Participant,
    Prediction,
)
from examapp.contests.ranking import Standing
from examapp.db import utcnow
from examapp.exams.models import SUBMITTED, Attempt
from examapp.leaderboard import BoardSource, EntryChange, Person

log = logging.getLogger(__name__)


def _try_standing(participant_id: int, attempt: Attempt, distance: int) -> Standing:
    time_ms = int((attempt.submitted_at - attempt.started_at).total_seconds() * 1000)
    return Standing(participant_id, attempt.score, max(0, time_ms), attempt.submitted_at, distance)


def round_of(contest: Contest, started_at: datetime) -> ContestRound | None:
    return next((r for r in contest.rounds if r.opens_at <= started_at < r.closes_at), None)


def _prediction(db: Session, participant_id: int, round_id: int) -> int | None:
    return db.scalar(select(Prediction.value).where(Prediction.participant_id == participant_id,
                                                    Prediction.round_id == round_id))


def record_try(db: Session, attempt_id: int) -> EntryChange | None:
    """Fold a finalised try into its round entry (in `db`'s transaction; the caller commits).
    None when the attempt is no contest's try, or it did not change the entry."""
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or attempt.status != SUBMITTED or attempt.score is None:
        return None
    contest = db.get(Contest, attempt.exam_id)
    participant = contest and db.scalar(select(Participant).where(
        Participant.contest_id == contest.id, Participant.user_id == attempt.user_id))
    rnd = participant and round_of(contest, attempt.started_at)
    if not rnd:
        return None
    entry = db.scalar(select(Entry).where(Entry.participant_id == participant.id, Entry.round_id == rnd.id))
    dist = ranking.distance(_prediction(db, participant.id, rnd.id), rnd.target_value)
    new = _try_standing(participant.id, attempt, dist)
    if entry is not None:
        entry.tries += 1
        if not ranking.better(new, _entry_standing(entry, dist)):
            return None
    else:
        entry = Entry(participant_id=participant.id, round_id=rnd.id, tries=1)
        db.add(entry)
    entry.attempt_id, entry.score, entry.time_ms = attempt.id, attempt.score, new.time_ms
    entry.submitted_at, entry.all_correct = attempt.submitted_at, attempt.score >= attempt.max_score
    entry.updated_at = utcnow()
    db.flush()
    return _change(db, contest, participant, rnd.number, new, attempt.submitted_at)


def _change(db: Session, contest: Contest, participant: Participant, round_number: int,
            standing: Standing, submitted_at: datetime) -> EntryChange:
    person = Person(participant.id, participant.name, participant.unit_id, participant.unit.name)
    overall = ranking.overall(participant.id, participant_standings(db, contest, participant.id).values())
    public = contest.freeze_at is None or submitted_at < contest.freeze_at
    return EntryChange(contest.id, round_number, person, standing, overall, public)


def standings_of_attempt(db: Session, contest: Contest, attempt_id: int) -> EntryChange | None:
    """The board update for the entry whose best try is `attempt_id`, as it stands now."""
    entry = db.scalar(select(Entry).where(Entry.attempt_id == attempt_id))
    if entry is None:
        return None
    rnd = next(r for r in contest.rounds if r.id == entry.round_id)
    standing = participant_standings(db, contest, entry.participant_id)[rnd.number]
    return _change(db, contest, entry.participant, rnd.number, standing, entry.submitted_at)


def _entry_standing(entry: Entry, dist: int) -> Standing:
    return Standing(entry.participant_id, entry.score, entry.time_ms, entry.submitted_at, dist)


def participant_standings(db: Session, contest: Contest, participant_id: int) -> dict[int, Standing]:
    """A participant's standing in each round they have an entry in, by round number."""
    numbers = {r.id: r for r in contest.rounds}
    same = (Prediction.participant_id == Entry.participant_id) & (Prediction.round_id == Entry.round_id)
    rows = db.execute(select(Entry, Prediction.value).outerjoin(Prediction, same)
                      .where(Entry.participant_id == participant_id)).all()
    return {numbers[e.round_id].number: _entry_standing(
        e, ranking.distance(value, numbers[e.round_id].target_value)) for e, value in rows}


def fold_try(db: Session, attempt_id: int) -> EntryChange | None:
    """`record_try` and commit; retried once if another process made the entry at the same time."""
    for last in (False, True):
        try:
            change = record_try(db, attempt_id)
            db.commit()
            return change
        except IntegrityError:
            db.rollback()
            if last:
                raise
    return None


def _overall_published(db: Session, contest: Contest) -> bool:
    return db.scalar(select(ContestResult.id).where(ContestResult.contest_id == contest.id,
                                                    ContestResult.round_number.is_(None))) is not None


def board_source(db: Session, contest: Contest, public: bool = True) -> BoardSource:
    """The standings as the public boards show them: with `public`, tries submitted after the freeze
    are left out until the whole contest's results are published."""
    cutoff = contest.freeze_at if public and not _overall_published(db, contest) else None
    # Columns, not ORM objects: a board of 100,000 entries is rebuilt within seconds.
    people: dict[int, Person] = {}
    by_user: dict[int, int] = {}
    rows = (select(Participant.id, Participant.user_id, Participant.name, Participant.unit_id,
                   ContestUnit.name).join(ContestUnit, ContestUnit.id == Participant.unit_id)
            .where(Participant.contest_id == contest.id))
    for pid, user_id, name, unit_id, unit in db.execute(rows):
        people[pid] = Person(pid, name, unit_id, unit)
        by_user[user_id] = pid
    predictions = {(pid, rid): v for pid, rid, v in db.execute(
        select(Prediction.participant_id, Prediction.round_id, Prediction.value)
        .join(Participant, Participant.id == Prediction.participant_id)
        .where(Participant.contest_id == contest.id))}
    query = select(Attempt.user_id, Attempt.started_at, Attempt.submitted_at, Attempt.score).where(
        Attempt.exam_id == contest.id, Attempt.status == SUBMITTED, Attempt.score.is_not(None))
    if cutoff is not None:
        query = query.where(Attempt.submitted_at < cutoff)
    spans = [(r.opens_at, r.closes_at, r) for r in contest.rounds]
    best: dict[tuple[int, int], Standing] = {}
    for user_id, started_at, submitted_at, score in db.execute(query):
        pid = by_user.get(user_id)
        rnd = next((r for opens, closes, r in spans if opens <= started_at < closes), None)
        if rnd is None or pid is None:
            continue
        time_ms = max(0, int((submitted_at - started_at).total_seconds() * 1000))
        standing = Standing(pid, score, time_ms, submitted_at,
                            ranking.distance(predictions.get((pid, rnd.id)), rnd.target_value))
        if ranking.better(standing, best.get((rnd.number, pid))):
            best[(rnd.number, pid)] = standing
    rounds: dict[int, list[Standing]] = {r.number: [] for r in contest.rounds}
    per_person: dict[int, list[Standing]] = defaultdict(list)
    for (number, pid), standing in best.items():
        rounds[number].append(standing)
        per_person[pid].append(standing)
    overall = [ranking.overall(pid, standings) for pid, standings in per_person.items()]
    return BoardSource(rounds, overall, people)
