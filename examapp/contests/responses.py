"""What the contests API answers, as pydantic models (never a phone number, never a key)."""

from __future__ import annotations

from pydantic import Field

from examapp.api.openapi import Moment, Reply


class RoundLine(Reply):
    number: int
    name: str
    opens_at: Moment
    closes_at: Moment


class UnitLine(Reply):
    name: str
    quota: int | None


class PredictionRule(Reply):
    question: str
    target: str = Field(description="all_correct_entries or participants")


class ContestView(Reply):
    """A contest as its public page shows it."""

    id: int
    title: str
    duration_minutes: float
    question_count: int
    registration_opens_at: Moment | None
    registration_closes_at: Moment | None
    tries_per_round: int
    fields: list[str] = Field(description="registration fields asked beyond name, phone and unit")
    units: list[UnitLine] | None = Field(description="the units to choose from; null: any unit, as written")
    prediction: PredictionRule | None
    freeze_at: Moment | None
    prizes: int
    rounds: list[RoundLine]
    ranking: list[str] = Field(description="the ranking rule, step by step")


class ContestCreated(Reply):
    id: int


class Registered(Reply):
    token: str = Field(description="a bearer token for this participant's tries and board")
    participant_id: int
    return_code: str = Field(description="one-time code to come back on another device; shown once")


class Returned(Reply):
    token: str
    return_code: str = Field(description="the next one-time return code (the one sent is used up)")


class PredictionGiven(Reply):
    round: int
    value: int
    given_at: Moment


class BoardLine(Reply):
    rank: int
    participant_id: int
    name: str
    unit: str
    score: float
    time_seconds: float


class BoardView(Reply):
    entries: list[BoardLine]
    total: int
    frozen: bool
    round: int | None


class MyPlace(Reply):
    rank: int | None
    score: float | None
    around: list[BoardLine]


class UnitBoardLine(Reply):
    rank: int
    unit: str
    participants: int
    mean: float
    winners: int
    quota: int | None


class UnitBoard(Reply):
    by: str
    units: list[UnitBoardLine]


class PrizeLine(Reply):
    rank: int
    participant_id: int
    name: str
    unit: str
    score: float
    time_seconds: float
    distance: int = Field(description="how far the prediction was from the true number (0 without one)")


class InputLine(Reply):
    participant_id: int
    name: str
    unit: str
    score: str = Field(description="exact, as hashed")
    time_ms: int
    submitted_ms: int
    distance: int
    prediction: int | None


class UnitResult(Reply):
    unit: str
    participants: int
    quota: int | None
    quota_percent: float | None
    winners: int
    mean: float


class CollectivePrizes(Reply):
    most_participants: str | None
    most_winners: str | None


class ResultsPublished(Reply):
    published_at: Moment
    sha256: str
    round: int | None
    prizes: list[PrizeLine]


class ResultsDocument(Reply):
    """Published results: SHA-256 of canonical JSON of contest, round, targets and inputs."""

    contest: int
    title: str
    round: int | None
    rule: list[str]
    targets: dict[str, int | None]
    sha256: str
    inputs: list[InputLine]
    ranking: list[PrizeLine]
    prizes: list[PrizeLine]
    units: list[UnitResult]
    collective_prizes: CollectivePrizes
    published_at: Moment


class UnitParticipation(Reply):
    unit: str
    quota: int | None
    participants: int
    quota_percent: float | None


class RoundParticipation(Reply):
    round: int
    name: str
    units: list[UnitParticipation]


class Participation(Reply):
    rounds: list[RoundParticipation]


class SharedAddress(Reply):
    address: str
    registrations: int


class TooFast(Reply):
    participant_id: int
    name: str
    round: int
    attempt_id: int
    seconds: float
    percent: float


class ChanceThenPerfect(Reply):
    participant_id: int
    name: str
    round: int
    first_percent: float
    attempt_id: int


class Integrity(Reply):
    """Leads for organisers; nothing is disqualified by them."""

    shared_addresses: list[SharedAddress]
    too_fast: list[TooFast]
    chance_then_perfect: list[ChanceThenPerfect]
