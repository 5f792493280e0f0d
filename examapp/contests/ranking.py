"""The ranking rule, in one place: score (higher first), then the prediction's distance from the
true number (closer first; only once the true number is known), then time taken (shorter first),
then submission time (earlier first). Ties the rule cannot break share a rank.

A standing is what the rule compares; a round's standing is the participant's best try of the
round, the overall standing adds the rounds up (scores, distances and times summed, the latest
submission). No database here, no Redis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Distances, times and points are bounded so that the encoded board member has fixed width.
MAX_DISTANCE = 10**13 - 1
MAX_TIME_MS = 10**10 - 1
MAX_POINTS_HUNDREDTHS = 10**9 - 1


@dataclass(frozen=True)
class Standing:
    participant_id: int
    score: Decimal
    time_ms: int
    submitted_at: datetime
    distance: int = 0  # 0 until the true number is known (or in a contest without a prediction)

    @property
    def submitted_ms(self) -> int:
        return int((self.submitted_at - EPOCH).total_seconds() * 1000)

    def key(self) -> tuple:
        """Smaller is better; equal keys share a rank (times compared to the millisecond)."""
        return (-self.score, self.distance, self.time_ms, self.submitted_ms)


def distance(prediction: int | None, target: int | None) -> int:
    """How far a prediction is from the true number; a missing prediction is as far as can be."""
    if target is None:
        return 0
    if prediction is None:
        return MAX_DISTANCE
    return min(abs(prediction - target), MAX_DISTANCE)


def better(a: Standing, b: Standing | None) -> bool:
    return b is None or a.key() < b.key()


def overall(participant_id: int, rounds: Iterable[Standing]) -> Standing | None:
    """The overall standing from a participant's round standings (None without any)."""
    rounds = list(rounds)
    if not rounds:
        return None
    return Standing(participant_id, sum((r.score for r in rounds), Decimal(0)),
                    min(sum(r.time_ms for r in rounds), MAX_TIME_MS), max(r.submitted_at for r in rounds),
                    min(sum(r.distance for r in rounds), MAX_DISTANCE))


def ranked(standings: Sequence[Standing]) -> list[tuple[int, Standing]]:
    """Standings in rule order with their ranks (shared by ties)."""
    ordered = sorted(standings, key=lambda s: (s.key(), s.participant_id))
    out: list[tuple[int, Standing]] = []
    for i, s in enumerate(ordered):
        rank = out[-1][0] if out and out[-1][1].key() == s.key() else i + 1
        out.append((rank, s))
    return out
