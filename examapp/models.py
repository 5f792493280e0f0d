"""Every feature's models, imported so the metadata (and Alembic) sees the whole schema."""

from examapp.audit.models import AuditLog
from examapp.auth.models import ApiToken, User
from examapp.banks.models import ImportJob, Option, Question, QuestionBank, QuestionRevision, Topic
from examapp.db import Base
from examapp.orgs.models import OrgUnit

__all__ = [
    "ApiToken", "AuditLog", "Base", "ImportJob", "Option", "OrgUnit", "Question", "QuestionBank",
    "QuestionRevision", "Topic", "User",
]
