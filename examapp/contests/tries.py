"""When a participant may start a try: in an open round, within the round's tries, after giving the
round's prediction when the contest has one. Answers the exams' `attempt_terms` for contests."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from examapp.contests import boards, stream
from examapp.contests.definitions import round_at
from examapp.contests.errors import PredictionRequired
from examapp.contests.models import Contest, Participant, Prediction
from examapp.contests.registration import tries_in_round
from examapp.exams import events
from examapp.exams.models import Exam, ExamCandidate
from examapp.exams.windows import StartTerms, Window
from examapp.messages import msg


def contest_terms(exam: Exam, *, db: Session, candidate: ExamCandidate, user_id: int, now: datetime,
                  used: int) -> StartTerms | None:
    if exam.kind != "contest":
        return None
    contest = db.get(Contest, exam.id)
    if contest is None:
        return None
    rnd = round_at(contest, now)
    if rnd is None:  # between rounds, before the first or after the last: say when
        shown = next((r for r in contest.rounds if r.opens_at > now), contest.rounds[-1])
        return StartTerms(Window(shown.opens_at, shown.closes_at), contest.tries_per_round, 0)
    if contest.prediction_target:
        given = db.scalar(select(Prediction.id).join(Participant, Participant.id == Prediction.participant_id)
                          .where(Participant.user_id == user_id, Prediction.round_id == rnd.id))
        if given is None:
            raise PredictionRequired(msg("give your prediction for %(round)s before the first try",
                                         round=rnd.name))
    return StartTerms(Window(rnd.opens_at, rnd.closes_at), contest.tries_per_round,
                      tries_in_round(db, exam.id, user_id, rnd))


def init_app(app: Flask) -> None:
    events.attempt_terms.connect(contest_terms)
    events.attempt_finalised.connect(_on_finalised)


def _on_finalised(attempt_id: int) -> None:
    change = boards.on_finalised(attempt_id)
    if change is not None:
        stream.announce(change.contest_id)
