"""Tables and database access.

Importing this package is cheap: a table module is imported when it (or a name it defines,
`from models import Company`) is first used. `models.db` (engines, sessions, migrations)
registers every table on `SQLModel.metadata`, as does `load_all()`, and so does the first use of
a table name from here: an ORM session never meets a foreign key to a table not yet defined.
`models.reads` and `models.engine` import neither SQLModel nor the ORM: the ranking path
(`partnerbot match`, every ask) reads through them (docs/performance.md).
"""

from __future__ import annotations

import importlib

# Every module that defines tables, in an order where each one's foreign keys are defined first.
TABLE_MODULES = ("company", "changes", "ask", "introduction", "audit", "scheduling", "shared_invite")

_NAMES = {
    "Ask": "ask",
    "AuditLog": "audit",
    "Capacity": "company",
    "ChangeCounter": "changes",
    "Company": "company",
    "CompanyChange": "changes",
    "DigestRun": "scheduling",
    "Introduction": "introduction",
    "IntroState": "introduction",
    "Member": "company",
    "Nudge": "scheduling",
    "OPEN_STATES": "introduction",
    "Outcome": "introduction",
    "OutcomeKind": "introduction",
    "ProcessedRequest": "scheduling",
    "InviteState": "shared_invite",
    "SharedInvite": "shared_invite",
}

__all__ = sorted(_NAMES)


def load_all() -> None:
    """Register every table on `SQLModel.metadata` (idempotent)."""
    for name in TABLE_MODULES:
        importlib.import_module(f"models.{name}")


def __getattr__(name: str):
    module = _NAMES.get(name)
    if module is None:  # `from models import audit` then imports the submodule models.audit
        raise AttributeError(f"module 'models' has no attribute {name!r}")
    load_all()
    value = getattr(importlib.import_module(f"models.{module}"), name)
    globals()[name] = value
    return value
