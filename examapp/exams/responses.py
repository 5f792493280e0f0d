"""What the exams API answers, as pydantic models: the document declares them (no key, no
correctness on a paper; a review shows the correct options only where the review policy allows),
and the schema test holds the answers to them."""

from __future__ import annotations

from pydantic import Field, RootModel

from examapp.api.openapi import Moment, Reply

# ---------------------------------------------------------------- definitions


class ExamRuleLine(Reply):
    position: int
    topic: str | None
    difficulty: str | None
    count: int
    points: float = Field(description="what each drawn question is worth")


class ExamDefinition(Reply):
    """An exam as staff see it."""

    id: int
    kind: str
    title: str
    bank_id: int
    rules: list[ExamRuleLine]
    question_count: int
    max_score: float
    duration_minutes: float
    pass_percent: float
    max_attempts: int
    opens_at: Moment | None
    closes_at: Moment | None
    room_code: str | None
    shuffle_questions: bool
    shuffle_options: bool
    review_policy: str
    certificate: bool
    partial_credit: bool
    grading: str
    fresh_questions: bool
    created_at: Moment


class ExamChange(ExamDefinition):
    """The exam after an edit, and what the edit did."""

    changed: list[str] = Field(description="the fields whose value changed")
    deadlines_moved: int = Field(description="attempts in progress whose deadline moved")
    results_changed: int = Field(description="submitted attempts whose pass/fail changed")


class ExamResultLine(Reply):
    """A candidate's result across their attempts, by the exam's grading method."""

    method: str
    score: float
    max_score: float
    percent: float
    passed: bool
    attempts: int = Field(description="submitted attempts the result is made from")
    attempt_id: int | None = Field(description="the attempt it comes from; null for an average")


class CandidateExamView(Reply):
    """An exam as its candidate sees it: their own window, attempts and result."""

    id: int
    kind: str
    title: str
    state: str = Field(description="upcoming, open or closed")
    duration_minutes: float
    extra_minutes: float
    opens_at: Moment | None
    closes_at: Moment | None
    question_count: int
    max_attempts: int
    attempts_used: int
    attempts_left: int
    attempt_in_progress: int | None
    last_attempt: int | None
    needs_room_code: bool
    review_policy: str
    grading: str
    result: ExamResultLine | None = Field(description="null before a submitted attempt, or when the "
                                                      "review policy hides it")


class ExamView(RootModel[ExamDefinition | CandidateExamView]):
    """The full definition for staff, the candidate's view for an assigned candidate."""


class ExamList(Reply):
    exams: list[ExamDefinition] | list[CandidateExamView]


# ---------------------------------------------------------------- candidates, overrides, tickets


class Assignment(Reply):
    added: int
    updated: int
    total: int = Field(description="candidates of the exam after the change")
    added_usernames: list[str]
    updated_usernames: list[str]
    papers_drawn: int = Field(description="first papers drawn ahead for the added candidates")


class PapersDrawn(Reply):
    exam_id: int
    drawn_now: int = Field(description="papers drawn by this call")
    drawn: int = Field(description="candidates who have not started, with their first paper drawn ahead")
    missing: int = Field(description="candidates who have not started and have no paper drawn ahead")


class OverrideWindow(Reply):
    opens_at: Moment | None
    closes_at: Moment | None


class Override(Reply):
    username: str
    full_name: str
    opens_at: Moment | None = Field(description="null: the exam's")
    closes_at: Moment | None = Field(description="null: the exam's")
    extra_minutes: float
    extra_attempts: int
    window: OverrideWindow = Field(description="the window the candidate sits in")
    attempts_allowed: int
    attempts_used: int
    changed: list[str]
    deadline: Moment | None = Field(description="of the candidate's attempt in progress")


class OverrideList(Reply):
    overrides: list[Override]


class Ticket(Reply):
    username: str
    full_name: str
    ticket: str = Field(description="shown once")


class TicketList(Reply):
    tickets: list[Ticket]


class TicketLogin(Reply):
    username: str
    role: str
    full_name: str
    exam_id: int


# ---------------------------------------------------------------- exam room


class RoomLine(Reply):
    """One candidate in the live exam room."""

    username: str
    full_name: str
    unit: str | None
    state: str = Field(description="not_started, in_progress or submitted")
    extra_minutes: float
    attempt_id: int | None
    answered: int
    questions: int
    deadline: Moment | None
    time_left_seconds: float | None
    finished_by: str | None
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    reopenable: bool
    attempts_used: int
    attempts_allowed: int
    opens_at: Moment | None = Field(description="the candidate's own window, where a proctor set one")
    closes_at: Moment | None
    extra_attempts: int
    result: ExamResultLine | None


class RoomCounts(Reply):
    not_started: int
    in_progress: int
    submitted: int


class Room(Reply):
    exam_id: int
    title: str
    closes_at: Moment | None
    server_time: Moment
    counts: RoomCounts
    candidates: list[RoomLine]


class ForcedSubmission(Reply):
    attempt_id: int
    status: str
    finished_by: str | None
    score: float
    max_score: float
    percent: float
    passed: bool


class RoomClosed(Reply):
    exam_id: int
    closes_at: Moment | None
    finalised: int = Field(description="attempts in progress that were submitted")


# ---------------------------------------------------------------- attempts


class PaperOption(Reply):
    id: int
    text: str


class PaperQuestion(Reply):
    id: int
    position: int
    type: str
    text: str
    points: float
    options: list[PaperOption]


class AttemptTimes(Reply):
    """Which attempt this is, and its clock: the deadline and the server's time, which the page
    counts down from."""

    attempt_id: int
    exam_id: int
    status: str
    number: int
    started_at: Moment
    deadline: Moment
    server_time: Moment


class Paper(AttemptTimes):
    """A candidate's paper: no answer key, no correctness."""

    grace_seconds: float
    questions: list[PaperQuestion]
    answers: dict[str, list[int]] = Field(description="option ids saved, by question id")
    flagged: list[int]


class AnswerReceipt(Reply):
    saved_at: Moment
    revision: int


class ReviewedQuestion(PaperQuestion):
    """A question of a submitted attempt once its exam shows the answers."""

    awarded: float
    chosen: list[int] = Field(description="the option ids the candidate chose")
    correct: list[int] = Field(description="the correct option ids")
    explanation: str | None


class AttemptState(AttemptTimes):
    """An attempt's state, and its result as the exam's review policy allows: none shows no score,
    score adds score, max_score, percent and passed, answers_after_close adds the review once the
    exam has closed for every candidate."""

    submitted_at: Moment | None
    finished_by: str | None
    score: float = None
    max_score: float = None
    percent: float = None
    passed: bool = None
    review: list[ReviewedQuestion] = None
