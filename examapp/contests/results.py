"""Results: after a round (or the whole contest) has closed, the organiser computes the true number
the predictions guessed and publishes the ranking, frozen, with the SHA-256 of its inputs; prizes
per round and overall; collective prizes for units; participation per unit against its quota.

The inputs are every entry that counts (participant, score, time, submission, prediction) and the
true number; the published document carries them, so anyone can hash them again (canonical JSON:
keys sorted, no spaces, UTF-8) and rank them by the rule to check the ranking was not edited.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from examapp.auth import policy
from examapp.auth.identity import Actor
from examapp.contests import entries, ranking
from examapp.contests.definitions import get_contest, ranking_rule
from examapp.contests.errors import ContestConflict, ContestInvalid, ContestNotFound
from examapp.contests.models import (
    Contest,
    ContestResult,
    ContestRound,
    ContestUnit,
    Entry,
    Participant,
    Prediction,
)
from examapp.exams.definitions import iso
from examapp.exams.errors import ExamForbidden
from examapp.exams.windows import fmt_time
from examapp.messages import msg
from reports.cells import xlsx_value


def _of_round(round_number: int | None):
    if round_number is None:
        return ContestResult.round_number.is_(None)
    return ContestResult.round_number == round_number


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def organiser_contest(db: Session, contest_id: int, user: Actor) -> Contest:
    contest = get_contest(db, contest_id)
    if not policy.can_manage_exam(user, contest.exam):
        raise ExamForbidden(msg("you may not manage this contest"))
    return contest


def true_number(db: Session, contest: Contest, rnd: ContestRound) -> int:
    """What the round's predictions guessed: its entries with every answer right, or its participants."""
    query = select(func.count()).select_from(Entry).where(Entry.round_id == rnd.id)
    if contest.prediction_target == "all_correct_entries":
        query = query.where(Entry.all_correct.is_(True))
    return db.scalar(query) or 0


def _predictions(db: Session, contest: Contest) -> dict[tuple[int, int], int]:
    return {(pid, rid): v for pid, rid, v in db.execute(
        select(Prediction.participant_id, Prediction.round_id, Prediction.value)
        .join(Participant, Participant.id == Prediction.participant_id)
        .where(Participant.contest_id == contest.id))}


def publish(db: Session, contest_id: int, user: Actor, now: datetime, round_number: int | None = None,
            target: int | None = None) -> ContestResult:
    """Compute and publish a round's results (or, without a round, the whole contest's) once it has
    closed; `target` overrides the true number counted from the entries (the organiser's count)."""
    contest = organiser_contest(db, contest_id, user)
    rounds = [r for r in contest.rounds if round_number in (None, r.number)]
    if not rounds:
        raise ContestNotFound(msg("the contest has no round %(n)s", n=round_number))
    closes = rounds[-1].closes_at
    if now < closes:
        raise ContestConflict(msg("results are published after the close, %(time)s", time=fmt_time(closes)))
    if target is not None and (round_number is None or not contest.prediction_target):
        raise ContestInvalid(msg("a true number is given for one round of a contest with a prediction"))
    if db.scalar(select(ContestResult.id).where(ContestResult.contest_id == contest.id,
                                                _of_round(round_number))) is not None:
        raise ContestConflict(msg("these results are published already; they do not change"))
    if contest.prediction_target:
        for rnd in rounds:
            if rnd.target_value is None or target is not None:
                rnd.target_value = target if target is not None else true_number(db, contest, rnd)
        db.flush()
    # The boards are rebuilt at their next read: the true number now breaks ties on score, and
    # the whole contest's results lift the freeze.
    contest.boards_stale_at = now
    document = results_document(db, contest, round_number)
    result = ContestResult(contest_id=contest.id, round_number=round_number, published_at=now,
                           published_by_id=user.id, sha256=document["sha256"], document=document)
    try:
        with db.begin_nested():
            db.add(result)
            db.flush()
    except IntegrityError:
        raise ContestConflict(msg("these results are published already; they do not change")) from None
    return result


def results_document(db: Session, contest: Contest, round_number: int | None) -> dict[str, Any]:
    """The ranking of a round (or overall) from every try, its inputs and their SHA-256, prizes and units."""
    source = entries.board_source(db, contest, public=False)
    standings = source.overall if round_number is None else source.rounds[round_number]
    predictions = _predictions(db, contest)
    round_ids = {r.number: r.id for r in contest.rounds}
    inputs = sorted(({
        "participant_id": s.participant_id, "name": source.people[s.participant_id].name,
        "unit": source.people[s.participant_id].unit, "score": str(s.score), "time_ms": s.time_ms,
        "submitted_ms": s.submitted_ms, "distance": s.distance,
        "prediction": None if round_number is None else predictions.get((s.participant_id,
                                                                        round_ids[round_number])),
    } for s in standings), key=lambda row: row["participant_id"])
    targets = {str(r.number): r.target_value for r in contest.rounds
               if round_number is None or r.number == round_number}
    hashed = {"contest": contest.id, "round": round_number, "targets": targets, "inputs": inputs}
    ranked = [{"rank": rank, "participant_id": s.participant_id, "name": source.people[s.participant_id].name,
               "unit": source.people[s.participant_id].unit, "score": float(s.score),
               "time_seconds": s.time_ms / 1000, "distance": s.distance}
              for rank, s in ranking.ranked(standings)]
    units = unit_summary(db, contest, ranked)
    return {
        "contest": contest.id, "title": contest.exam.title, "round": round_number,
        "rule": [str(step) for step in ranking_rule(contest)],
        "targets": targets, "sha256": hashlib.sha256(
            canonical(hashed)).hexdigest(), "inputs": inputs, "ranking": ranked,
        "prizes": [line for line in ranked if line["rank"] <= contest.prizes], "units": units,
        "collective_prizes": {
            "most_participants": units[0]["unit"] if units else None,
            "most_winners": (max(units, key=lambda u: (u["winners"], u["participants"]))["unit"]
                             if units else None),
        },
    }


def verify(document: dict[str, Any]) -> bool:
    """Whether a published document's SHA-256 is that of its inputs."""
    hashed = {key: document[key] for key in ("contest", "round", "targets", "inputs")}
    return hashlib.sha256(canonical(hashed)).hexdigest() == document["sha256"]


def unit_summary(db: Session, contest: Contest, ranked: list[dict]) -> list[dict]:
    """Per unit: participants ranked, quota and its share, winners (ranked within the prizes), mean."""
    quotas = {u.name: u.quota for u in db.scalars(
        select(ContestUnit).where(ContestUnit.contest_id == contest.id))}
    rows: dict[str, dict] = defaultdict(lambda: {"participants": 0, "winners": 0, "points": 0.0})
    for line in ranked:
        row = rows[line["unit"]]
        row["participants"] += 1
        row["winners"] += line["rank"] <= contest.prizes
        row["points"] += line["score"]
    out = []
    for unit, row in rows.items():
        quota = quotas.get(unit)
        out.append({"unit": unit, "participants": row["participants"], "quota": quota,
                    "quota_percent": round(100 * row["participants"] / quota, 1) if quota else None,
                    "winners": row["winners"], "mean": round(row["points"] / row["participants"], 2)})
    out.sort(key=lambda u: (-u["participants"], -u["winners"], u["unit"]))
    return out


def participation(db: Session, contest: Contest) -> list[dict[str, Any]]:
    """Per round, per unit: participants with an entry against the unit's quota (the weekly report)."""
    counts = dict(((rid, uid), n) for rid, uid, n in db.execute(
        select(Entry.round_id, Participant.unit_id, func.count())
        .join(Participant, Participant.id == Entry.participant_id)
        .where(Participant.contest_id == contest.id).group_by(Entry.round_id, Participant.unit_id)))
    units = db.scalars(select(ContestUnit).where(ContestUnit.contest_id == contest.id)
                       .order_by(ContestUnit.name)).all()
    return [{"round": r.number, "name": r.name, "units": [
        {"unit": u.name, "quota": u.quota, "participants": counts.get((r.id, u.id), 0),
         "quota_percent": round(100 * counts.get((r.id, u.id), 0) / u.quota, 1) if u.quota else None}
        for u in units]} for r in contest.rounds]


def published(db: Session, contest_id: int, round_number: int | None) -> ContestResult:
    result = db.scalar(select(ContestResult).where(ContestResult.contest_id == contest_id,
                                                   _of_round(round_number)))
    if result is None:
        raise ContestNotFound(msg("these results are not published yet"))
    return result


def summary(result: ContestResult) -> dict[str, Any]:
    return {"published_at": iso(result.published_at), "sha256": result.sha256,
            "round": result.round_number, "prizes": result.document["prizes"]}


def workbook(document: dict[str, Any]) -> bytes:
    """The published results as an xlsx file: the ranking and the units, text safe from formulas."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Xếp hạng")
    sheet.append(["Hạng", "Họ và tên", "Đơn vị", "Điểm", "Thời gian (giây)", "Độ lệch dự đoán"])
    for line in document["ranking"]:
        sheet.append([xlsx_value(sheet, v) for v in (line["rank"], line["name"], line["unit"], line["score"],
                                                     line["time_seconds"], line["distance"])])
    units = book.create_sheet("Đơn vị")
    units.append(["Đơn vị", "Số người dự thi", "Chỉ tiêu", "% chỉ tiêu", "Số giải", "Điểm trung bình"])
    for row in document["units"]:
        units.append([xlsx_value(units, v) for v in (row["unit"], row["participants"], row["quota"],
                                                     row["quota_percent"], row["winners"], row["mean"])])
    proof = book.create_sheet("SHA-256")
    proof.append(["SHA-256", document["sha256"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
