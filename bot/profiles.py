"""Partner profiles: validating what a partner typed, and saving, pausing, resuming and
deleting a company profile. Shared by the Slack modal and the CSV import so both accept
exactly the same values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime

from sqlmodel import Session

from bot.text import safe, strip_controls
from models import audit
from models.company import (Capacity, Company, company_key, get_company, get_company_by_name,
                            get_company_for_user, link_member, member_user_ids)
from models.privacy import erase_company_personal_data

# Bounds keep every profile inside Block Kit limits once escaped and rendered.
MAX_NAME = 80
MAX_PARTNER_TYPE = 60
MAX_DESCRIPTION = 1500
MAX_WEBSITE = 200
MAX_ITEMS = 20
MAX_ITEM = 80
LIST_FIELDS = ("capabilities", "industries", "regions", "certifications")

PARTNER_TYPES = (
    "ISV",
    "IHV",
    "Solution provider",
    "Systems integrator",
    "Installer",
    "Managed service provider",
    "Service outsourcer",
    "Distributor",
    "Consultancy",
    "Other",
)
_PARTNER_TYPE_BY_KEY = {t.casefold(): t for t in PARTNER_TYPES}
CAPACITIES = tuple(c.value for c in Capacity)

FIELD_LABELS = {
    "name": "Company",
    "partner_type": "Partner type",
    "capabilities": "Capabilities",
    "industries": "Industries",
    "regions": "Regions served",
    "certifications": "Certifications",
    "description": "Description",
    "capacity": "Capacity",
    "website": "Website",
    "contact_emails": "Outside contacts",
}

_URL_RE = re.compile(r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#][^\s<>|\"]*)?$")
_LIST_SPLIT = re.compile(r"[;\r\n]+")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A "valid e-mail address" as the WHATWG HTML standard defines it for <input type=email>
# (https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address), plus a dot in
# the domain (Slack Connect invites work emails, never a bare host) and a letter, digit or _
# first (so an exported CSV cell can never start a spreadsheet formula).
_EMAIL_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
MAX_CONTACT_EMAILS = 10
MAX_EMAIL = 254


class ProfileError(ValueError):
    """A request about a profile that cannot be done; str(error) is shown to the user."""


@dataclass
class ProfileInput:
    """A validated profile, normalized (trimmed, de-duplicated lists)."""

    name: str
    partner_type: str = ""
    capabilities: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    certifications: list[str] = field(default_factory=list)
    description: str = ""
    capacity: str = Capacity.OPEN.value
    website: str | None = None
    contact_emails: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- parsing ---------------------------------------------------------------------------
def split_list(raw: str | None) -> list[str]:
    """`;`- or newline-separated text -> trimmed items, empty ones dropped, duplicates
    (case-insensitive) dropped keeping the first spelling."""
    items: list[str] = []
    seen: set[str] = set()
    for part in _LIST_SPLIT.split(raw or ""):
        item = " ".join(part.split())
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            items.append(item)
    return items


def normalize_partner_type(raw: str | None) -> str:
    """Known types get their canonical spelling; anything else is kept as typed (trimmed)."""
    text = " ".join((raw or "").split())
    return _PARTNER_TYPE_BY_KEY.get(text.casefold(), text)


def is_known_partner_type(value: str) -> bool:
    return value.casefold() in _PARTNER_TYPE_BY_KEY


def valid_website(url: str) -> bool:
    return bool(_URL_RE.match(url))


def valid_email(address: str) -> bool:
    return len(address) <= MAX_EMAIL and bool(_EMAIL_RE.match(address))


def parse_contact_emails(raw: str | None) -> tuple[list[str], str | None]:
    """`;`-, `,`- or newline-separated work emails -> (normalized list, error or None).
    The domain is lower-cased; duplicates (case-insensitive) are dropped."""
    items: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[;,\s]+", raw or ""):
        if not part:
            continue
        if not valid_email(part):
            return items, f"“{part[:60]}” is not an email address (name@company.com)."
        local, domain = part.rsplit("@", 1)
        address = f"{local}@{domain.lower()}"
        if address.casefold() not in seen:
            seen.add(address.casefold())
            items.append(address)
    if len(items) > MAX_CONTACT_EMAILS:
        return items, f"List at most {MAX_CONTACT_EMAILS} contacts ({len(items)} now)."
    return items, None


def validate_fields(raw: dict[str, str | None], *, strict_partner_type: bool = False,  # noqa: C901 - to split
                    allowed_partner_types: tuple[str, ...] = ()) -> tuple[dict, dict[str, str]]:
    """Check the typed values in `raw` (only the keys present are checked).

    Returns (clean values, errors by field name). `strict_partner_type` (the modal) accepts
    only the known list plus `allowed_partner_types` (e.g. a type a CSV import set).
    """
    clean: dict = {}
    errors: dict[str, str] = {}
    # Control characters (NUL above all: PostgreSQL refuses it) are never part of a profile.
    raw = {k: strip_controls(v) if isinstance(v, str) else v for k, v in raw.items()}
    if "name" in raw:
        name = " ".join((raw["name"] or "").split())
        if not name:
            errors["name"] = "A company name is required."
        elif len(name) > MAX_NAME:
            errors["name"] = f"Use at most {MAX_NAME} characters ({len(name)} now)."
        clean["name"] = name
    if "partner_type" in raw:
        ptype = normalize_partner_type(raw["partner_type"])
        if len(ptype) > MAX_PARTNER_TYPE:
            errors["partner_type"] = f"Use at most {MAX_PARTNER_TYPE} characters."
        elif strict_partner_type and ptype and not is_known_partner_type(ptype) and ptype not in allowed_partner_types:
            errors["partner_type"] = "Pick a partner type from the list (or Other)."
        clean["partner_type"] = ptype
    for name in LIST_FIELDS:
        if name not in raw:
            continue
        items = split_list(raw[name])
        long_items = [i for i in items if len(i) > MAX_ITEM]
        if len(items) > MAX_ITEMS:
            errors[name] = f"List at most {MAX_ITEMS} items ({len(items)} now)."
        elif long_items:
            errors[name] = f"Keep each item under {MAX_ITEM + 1} characters: “{long_items[0][:30]}…” is {len(long_items[0])}."
        clean[name] = items
    if "description" in raw:
        desc = (raw["description"] or "").strip()
        if len(desc) > MAX_DESCRIPTION:
            errors["description"] = f"Use at most {MAX_DESCRIPTION} characters ({len(desc)} now)."
        clean["description"] = desc
    if "capacity" in raw:
        cap = (raw["capacity"] or "").strip().lower() or Capacity.OPEN.value
        if cap not in CAPACITIES:
            errors["capacity"] = f"Capacity is one of {', '.join(CAPACITIES)} (not “{cap[:20]}”)."
        clean["capacity"] = cap
    if "website" in raw:
        site = (raw["website"] or "").strip() or None
        if site is not None:
            if len(site) > MAX_WEBSITE:
                errors["website"] = f"Use at most {MAX_WEBSITE} characters."
            elif not valid_website(site):
                errors["website"] = "Enter a web address starting with http:// or https://"
        clean["website"] = site
    if "contact_emails" in raw:
        emails, error = parse_contact_emails(raw["contact_emails"])
        if error:
            errors["contact_emails"] = error
        clean["contact_emails"] = emails
    return clean, errors


def validate_profile(raw: dict[str, str | None], *, allowed_partner_types: tuple[str, ...] = ()
                     ) -> tuple[ProfileInput | None, dict[str, str]]:
    """Validate a whole profile as typed in the modal."""
    full = {name: raw.get(name) for name in FIELD_LABELS}
    clean, errors = validate_fields(full, strict_partner_type=True, allowed_partner_types=allowed_partner_types)
    if errors:
        return None, errors
    return ProfileInput(**clean), {}


def parse_pause_args(args: str, *, today: date) -> date | None:
    """`""` -> None (until resumed); `until 2027-01-15` or `2027-01-15` -> that date."""
    words = args.split()
    if words and words[0].lower() == "until":
        words = words[1:]
        if not words:
            raise ProfileError("Say until when, e.g. `/partnerprofile pause until 2027-01-15`.")
    if not words:
        return None
    if len(words) > 1 or not _DATE_RE.match(words[0]):
        raise ProfileError(f"“{safe(' '.join(words), 40)}” is not a date: use YYYY-MM-DD, "
                           "e.g. `/partnerprofile pause until 2027-01-15`.")
    try:
        until = date.fromisoformat(words[0])
    except ValueError:
        raise ProfileError(f"{words[0]} is not a real date: use YYYY-MM-DD.") from None
    if until <= today:
        raise ProfileError(f"{until.isoformat()} is not in the future: pick a later date.")
    return until


# -- authorization ---------------------------------------------------------------------
def can_edit(session: Session, *, user_id: str, company: Company, is_manager: bool) -> bool:
    """Only the company's own users, or a vendor manager, may change a profile."""
    if is_manager:
        return True
    return user_id in member_user_ids(session, company_id=company.id)


# -- changes ---------------------------------------------------------------------------
@dataclass
class SaveResult:
    company: Company
    created: bool
    changed: list[str]


def save_profile(session: Session, *, actor: str, data: ProfileInput, company_id: int | None,
                 is_manager: bool, now: datetime) -> SaveResult:
    """Create the caller's company (linking them as a member) or update `company_id`.

    Raises ProfileError(field "name") when another company holds the name, and
    PermissionError when the caller may not edit that company.
    """
    key = company_key(data.name)
    if company_id is not None:
        company = get_company(session, company_id=company_id)
        if company is None:
            raise ProfileError("That profile no longer exists.")
        if not can_edit(session, user_id=actor, company=company, is_manager=is_manager):
            raise PermissionError("Only the company's own members or a vendor manager can edit this profile.")
    else:
        # A stale "create" form from someone who has a profile by now edits that profile.
        company = get_company_for_user(session, slack_user_id=actor)
    holder = get_company_by_name(session, name=data.name)
    if holder is not None and (company is None or holder.id != company.id):
        raise NameTakenError(f"“{data.name}” is already a partner profile. If you work there, "
                             "ask a vendor manager to link you to it.")

    values = data.as_dict()
    if company is None:
        company = Company(name_key=key, created_at=now, updated_at=now, **values)
        session.add(company)
        session.flush()
        link_member(session, company_id=company.id, slack_user_id=actor)
        audit.record(session, actor=actor, action="profile.create", entity="company", entity_id=company.id, at=now)
        return SaveResult(company, True, list(values))

    changed = [name for name, value in values.items() if getattr(company, name) != value]
    if changed:
        for name in changed:
            setattr(company, name, values[name])
        company.name_key = key
        company.updated_at = now
        session.add(company)
        audit.record(session, actor=actor, action="profile.update", entity="company", entity_id=company.id,
                     detail={"fields": changed}, at=now)
    session.flush()
    return SaveResult(company, False, changed)


class NameTakenError(ProfileError):
    """The company name belongs to another profile."""


def pause_profile(session: Session, *, company: Company, actor: str, until: date | None, now: datetime) -> Company:
    company.paused = True
    company.paused_until = until
    company.updated_at = now
    session.add(company)
    audit.record(session, actor=actor, action="profile.pause", entity="company", entity_id=company.id,
                 detail={"until": until.isoformat() if until else None}, at=now)
    return company


def resume_profile(session: Session, *, company: Company, actor: str, now: datetime) -> bool:
    """Resume; False when the profile was not paused (nothing changed)."""
    if not company.paused:
        return False
    company.paused = False
    company.paused_until = None
    company.updated_at = now
    session.add(company)
    audit.record(session, actor=actor, action="profile.resume", entity="company", entity_id=company.id, at=now)
    return True


def delete_profile(session: Session, *, company_id: int, actor: str, is_manager: bool, now: datetime) -> Company:
    """Delete a profile's personal data (see `models.privacy`); once only.

    Raises ProfileError when it is already deleted, PermissionError for a stranger.
    """
    company = get_company(session, company_id=company_id)
    if company is None:
        raise ProfileError("That profile is already deleted.")
    if not can_edit(session, user_id=actor, company=company, is_manager=is_manager):
        raise PermissionError("Only the company's own members or a vendor manager can delete this profile.")
    if not erase_company_personal_data(session, company_id=company_id, now=now):
        raise ProfileError("That profile is already deleted.")
    audit.record(session, actor="deleted-user" if not is_manager else actor, action="profile.delete",
                 entity="company", entity_id=company_id, at=now)
    session.expire(company)
    return company
