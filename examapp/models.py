"""Every feature's models, imported so the metadata (and Alembic) sees the whole schema."""

from examapp.audit.models import AuditLog
from examapp.auth.models import ApiToken, User
from examapp.banks.models import (
    ImportJob,
    Question,
    QuestionBank,
    QuestionRevision,
    StagedUpload,
    Topic,
)
from examapp.contests.models import (
    Contest,
    ContestResult,
    ContestRound,
    ContestUnit,
    Entry,
    Participant,
    Prediction,
)
from examapp.db import Base
from examapp.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Exam,
    ExamCandidate,
    ExamRule,
    ExamTicket,
)
from examapp.orgs.models import OrgUnit

__all__ = [
    "Answer", "ApiToken", "Attempt", "AttemptQuestion", "AuditLog", "Base", "Contest", "ContestResult",
    "ContestRound", "ContestUnit", "Entry", "Exam", "ExamCandidate", "ExamRule", "ExamTicket", "ImportJob",
    "OrgUnit", "Participant", "Prediction", "Question", "QuestionBank", "QuestionRevision", "StagedUpload",
    "Topic", "User",
]
