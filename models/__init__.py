"""Tables and database access. Importing this package registers every table."""

from models.ask import Ask
from models.audit import AuditLog
from models.changes import ChangeCounter, CompanyChange
from models.company import Capacity, Company, Member
from models.introduction import OPEN_STATES, Introduction, IntroState, Outcome, OutcomeKind
from models.scheduling import DigestRun, Nudge, ProcessedRequest
from models.shared_invite import InviteState, SharedInvite

__all__ = [
    "Ask",
    "AuditLog",
    "Capacity",
    "ChangeCounter",
    "Company",
    "CompanyChange",
    "DigestRun",
    "Introduction",
    "IntroState",
    "Member",
    "Nudge",
    "OPEN_STATES",
    "Outcome",
    "OutcomeKind",
    "ProcessedRequest",
    "InviteState",
    "SharedInvite",
]
