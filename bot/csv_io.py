"""Partner CSV import and export (the contract's format).

`parse_rows` reads the text into validated rows and per-line errors (line = physical line
in the file, so a multi-line quoted field counts all its lines); `import_rows` upserts them
in bulk (existing rows loaded once, inserts and updates in batches, unchanged rows left
alone); the `*_cli` functions are what `partnerbot import-partners` / `export-partners` run.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.profiles import LIST_FIELDS, validate_fields
from bot.text import strip_controls
from models import audit
from models.base import utcnow
from models.company import Capacity, Company, Member, company_key
from models.db import session_scope

# Column order written by the export (the import takes any order).
COLUMNS = ("company", "partner_type", "capabilities", "industries", "regions", "certifications", "description",
           "slack_user_id", "capacity", "website", "contact_emails")
# CSV column -> profile field (validated by bot.profiles, exactly as the modal does).
FIELD_OF = {"company": "name", "partner_type": "partner_type", "capabilities": "capabilities",
            "industries": "industries", "regions": "regions", "certifications": "certifications",
            "description": "description", "capacity": "capacity", "website": "website",
            "contact_emails": "contact_emails"}
PROFILE_FIELDS = tuple(FIELD_OF.values())
SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,31}$")
BATCH = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection,
# https://owasp.org/www-community/attacks/CSV_Injection): the export puts a `'` before it,
# which spreadsheets show as text, and the import takes it off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")


def defuse_cell(value: str) -> str:
    """The cell as written: `=1+2` -> `'=1+2`, and `'=1+2` -> `''=1+2` so the import can tell them apart.
    Control characters (from before the import stripped them) never reach a file or a terminal."""
    value = strip_controls(value)
    if value.startswith(FORMULA_START) or _QUOTED_FORMULA.match(value):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The inverse of defuse_cell, for the import."""
    return value[1:] if _QUOTED_FORMULA.match(value) else value


class UnreadableFile(Exception):
    """The file cannot be imported at all (missing, not UTF-8, no header / company column)."""


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class PartnerRow:
    line: int
    key: str
    values: dict  # profile fields present in the file, validated and normalized
    slack_user_ids: list[str] | None  # None when the file has no slack_user_id column


@dataclass
class ParseResult:
    columns: list[str]
    rows: list[PartnerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _Resync(Exception):
    """A record is broken: report it and start again on the line after its first line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- reading ---------------------------------------------------------------------------
def read_csv_text(path: str | Path) -> str:
    """The file's text: UTF-8, a leading byte-order mark dropped."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(exc.strerror or type(exc).__name__) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8") from None


def parse_rows(text: str, *, progress: Callable[[int, int], None] | None = None) -> ParseResult:
    """Validate every record of `text`; raises UnreadableFile without a usable header.

    `progress(lines_read, total_lines)` is called now and then."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = list(io.StringIO(text, newline=""))
    header: list[str] | None = None
    result: ParseResult | None = None
    seen_keys: dict[str, int] = {}
    seen_users: dict[str, int] = {}
    pos = 0  # index of the line where the reader (re)starts
    records = 0
    while pos < len(lines):
        reader = csv.reader(itertools.islice(lines, pos, None), strict=True)
        consumed = 0
        try:
            while True:
                start = pos + consumed + 1
                try:
                    record = next(reader)
                except StopIteration:
                    pos = len(lines)
                    break
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise _Resync(f"a field is too long (over {csv.field_size_limit():,} characters)") from None
                    raise _Resync(f"broken quoting ({exc}); check the quotes on this row") from None
                end = pos + reader.line_num
                consumed = reader.line_num
                records += 1
                if progress and records % 5000 == 0:
                    progress(end, len(lines))
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if header is None:
                    header, result = _read_header(record, start)
                    continue
                assert result is not None
                if len(record) != len(header) and end > start:
                    raise _Resync(f"broken quoting: a quoted field runs over lines {start}-{end} and the row has "
                                  f"{len(record)} fields where the header has {len(header)}")
                if len(record) > len(header):
                    result.errors.append(RowError(start, f"{len(record)} fields where the header has {len(header)} "
                                                         "(quote values that contain commas)"))
                    continue
                _read_record(result, header, record, start, seen_keys, seen_users)
        except _Resync as bad:
            if result is None:
                raise UnreadableFile(f"the header row is unreadable: {bad.message}") from None
            result.errors.append(RowError(start, bad.message))
            pos = start  # the line after the broken record's first line (0-based index)
    if progress:
        progress(len(lines), len(lines))
    if result is None:
        raise UnreadableFile("the file is empty: a header row (company,partner_type,...) is required")
    return result


def _read_header(record: list[str], line: int) -> tuple[list[str], ParseResult]:
    names = [name.strip().lower() for name in record]
    if "company" not in names:
        raise UnreadableFile(f"line {line}: the header has no `company` column (found: {', '.join(names)[:200]})")
    result = ParseResult(columns=names)
    seen: set[str] = set()
    twice: list[str] = []
    unknown: list[str] = []
    for name in names:
        if name in seen:
            twice.append(name)
        elif name not in COLUMNS:
            unknown.append(name)
        seen.add(name)
    # One line each, however many columns a file has (a million unknown ones print one line).
    if len(twice) == 1:
        result.warnings.append(f"column {_listed(twice)} appears twice; the first one is used")
    elif twice:
        result.warnings.append(f"columns appearing twice (the first one is used): {_listed(twice)}")
    if len(unknown) == 1:
        result.warnings.append(f"unknown column {_listed(unknown)} ignored")
    elif unknown:
        result.warnings.append(f"unknown columns ignored: {_listed(unknown)}")
    return names, result


def _listed(names: list[str], shown: int = 10) -> str:
    listed = ", ".join(f"`{strip_controls(n)[:40]}`" for n in names[:shown])
    return listed + (f" and {len(names) - shown:,} more" if len(names) > shown else "")


def _read_record(result: ParseResult, header: list[str], record: list[str], line: int,
                 seen_keys: dict[str, int], seen_users: dict[str, int]) -> None:
    cells: dict[str, str] = {}
    for name, value in zip(header, record):
        if name in COLUMNS and name not in cells:
            cells[name] = restore_cell(value)
    if not cells.get("company", "").strip():
        result.errors.append(RowError(line, "missing company"))
        return
    raw = {FIELD_OF[c]: cells.get(c, "") for c in FIELD_OF if c in header}
    values, errors = validate_fields(raw)
    if errors:
        column = {v: k for k, v in FIELD_OF.items()}
        message = "; ".join(f"{column[f]}: {msg}" for f, msg in errors.items())
        result.errors.append(RowError(line, message))
        return
    key = company_key(values["name"])
    if key in seen_keys:
        result.errors.append(RowError(line, f"duplicate company “{values['name']}” (first on line {seen_keys[key]})"))
        return
    users: list[str] | None = None
    if "slack_user_id" in header:
        users = [u for u in dict.fromkeys(p.strip() for p in cells.get("slack_user_id", "").split(";")) if u]
        bad = [u for u in users if not SLACK_USER_RE.match(u)]
        if bad:
            result.errors.append(RowError(line, f"slack_user_id “{bad[0][:40]}” is not a Slack user ID (U0123ABCD)"))
            return
        taken = [u for u in users if u in seen_users]
        if taken:
            result.errors.append(RowError(line, f"slack_user_id {taken[0]} is already on line {seen_users[taken[0]]}"))
            return
        for u in users:
            seen_users[u] = line
    seen_keys[key] = line
    result.rows.append(PartnerRow(line=line, key=key, values=values, slack_user_ids=users))


# -- writing to the database -----------------------------------------------------------
def _defaults() -> dict:
    return {"partner_type": "", "capabilities": [], "industries": [], "regions": [], "certifications": [],
            "description": "", "capacity": Capacity.OPEN.value, "website": None,
            "contact_emails": []}


def import_rows(session: Session, rows: list[PartnerRow], *, now: datetime | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportStats:
    """Upsert `rows` by case-insensitive company name; rows that change nothing stay untouched."""
    now = now or utcnow()
    table = Company.__table__
    stats = ImportStats()
    existing = {r.name_key: r for r in session.execute(
        select(table.c.id, table.c.name_key, *[table.c[f] for f in PROFILE_FIELDS])
        .where(table.c.deleted_at.is_(None)))}
    members = {r.slack_user_id: r.company_id for r in session.execute(select(Member.slack_user_id, Member.company_id))}

    inserts: list[dict] = []
    updates: list[dict] = []
    linked: list[tuple[str, str]] = []  # (company key, slack user) links to make
    for row in rows:
        current = existing.get(row.key)
        if current is None:
            inserts.append({**_defaults(), **row.values, "name_key": row.key, "paused": False,
                            "created_at": now, "updated_at": now})
            stats.created += 1
            linked += [(row.key, u) for u in row.slack_user_ids or ()]
            continue
        changes = {f: v for f, v in row.values.items() if getattr(current, f) != v}
        new_links = [(row.key, u) for u in row.slack_user_ids or () if members.get(u) != current.id]
        if changes:
            updates.append({"id": current.id, **changes, "updated_at": now})
        if changes or new_links:
            stats.updated += 1
            linked += new_links
        else:
            stats.unchanged += 1

    total = len(inserts) + len(updates) + len(linked)
    done = 0
    if progress:
        progress(0, total)
    for batch in _batches(inserts):
        session.execute(insert(table), batch)
        done += len(batch)
        if progress:
            progress(done, total)
    for batch in _batches(updates):
        session.execute(update(Company), batch)
        done += len(batch)
        if progress:
            progress(done, total)
    if linked:
        ids = dict(session.execute(select(table.c.name_key, table.c.id).where(table.c.deleted_at.is_(None))).all())
        new_members = [{"slack_user_id": u, "company_id": ids[k], "created_at": now}
                       for k, u in linked if u not in members]
        moved = [{"b_user": u, "b_company": ids[k]} for k, u in linked if u in members]
        for batch in _batches(new_members):
            session.execute(insert(Member.__table__), batch)
            done += len(batch)
            if progress:
                progress(done, total)
        if moved:
            mt = Member.__table__
            stmt = update(mt).where(mt.c.slack_user_id == bindparam("b_user")).values(company_id=bindparam("b_company"))
            for batch in _batches(moved):
                session.connection().execute(stmt, batch)
                done += len(batch)
                if progress:
                    progress(done, total)
        if progress:
            progress(total, total)
    if stats.created or stats.updated:
        audit.record(session, actor="import", action="partners.import", entity="company", entity_id=None,
                     detail={"created": stats.created, "updated": stats.updated, "unchanged": stats.unchanged}, at=now)
    return stats


def _batches(items: list, size: int = BATCH) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- export ----------------------------------------------------------------------------
def export_rows(session: Session) -> list[dict[str, str]]:
    """Every active profile as CSV cells (lists `;`-joined; several Slack users `;`-joined)."""
    table = Company.__table__
    users: dict[int, list[str]] = {}
    for uid, cid in session.execute(select(Member.slack_user_id, Member.company_id).order_by(col(Member.id))):
        users.setdefault(cid, []).append(uid)
    out = []
    for r in session.execute(select(table).where(table.c.deleted_at.is_(None)).order_by(table.c.id)):
        cells = {"company": r.name, "partner_type": r.partner_type, "description": r.description,
                 "capacity": r.capacity, "website": r.website or "", "slack_user_id": ";".join(users.get(r.id, [])),
                 "contact_emails": ";".join(r.contact_emails or [])}
        for name in LIST_FIELDS:
            cells[name] = ";".join(getattr(r, name) or [])
        out.append({name: defuse_cell(value or "") for name, value in cells.items()})
    return out


def write_csv(rows: list[dict[str, str]], stream: IO[str]) -> None:
    # RFC 4180 line ends: the writer then also quotes values holding a lone \r.
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)


# -- command line ----------------------------------------------------------------------
class Progress:
    """Progress on stderr: one line rewritten in place on a terminal, else a line per 10%."""

    def __init__(self, stream: IO[str], label: str, unit: str) -> None:
        self.stream = stream
        self.label = label
        self.unit = unit
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.last_step = -1
        self.last_draw = 0.0
        self.width = 0
        self.finished = False

    def __call__(self, done: int, total: int) -> None:
        if self.finished:
            return
        self.finished = done >= total
        pct = 100 if total == 0 else int(done * 100 / total)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        line = f"{self.label} {pct:3d}%  {done:,}/{total:,} {self.unit}  {done / elapsed:,.0f} {self.unit}/s"
        if self.tty:
            now = time.monotonic()
            if self.finished or now - self.last_draw >= 0.1:
                self.width = max(self.width, len(line))
                self.stream.write("\r" + line.ljust(self.width) + ("\n" if self.finished else ""))
                self.stream.flush()
                self.last_draw = now
        elif pct // 10 != self.last_step:
            self.last_step = pct // 10
            self.stream.write(line + "\n")
            self.stream.flush()


def import_partners_cli(engine: Engine, path: str, *, quiet: bool = False, out: IO[str] = sys.stdout,
                        err: IO[str] = sys.stderr) -> int:
    """Exit 0: every row imported; 1: some rows were bad (the rest imported); 2: unreadable file."""
    started = time.monotonic()
    try:
        parsed = parse_rows(read_csv_text(path), progress=None if quiet else Progress(err, "reading", "lines"))
    except UnreadableFile as exc:
        print(f"partnerbot: cannot import {path}: {exc}", file=err)
        return 2
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=err)
    try:
        with session_scope(engine) as session:
            stats = import_rows(session, parsed.rows, progress=None if quiet else Progress(err, "saving ", "rows"))
    except IntegrityError as exc:  # a profile was created in Slack meanwhile under a name in the file
        print(f"partnerbot: nothing imported: the directory changed during the import ({exc.orig}); "
              "run the import again", file=err)
        return 1
    for error in sorted(parsed.errors, key=lambda e: e.line):
        print(f"line {error.line}: {error.message}", file=err)
    print(f"{stats.created} created, {stats.updated} updated, {stats.unchanged} unchanged, "
          f"{len(parsed.errors)} errors ({time.monotonic() - started:.1f}s)", file=out)
    return 1 if parsed.errors else 0


def export_partners_cli(engine: Engine, path: str, *, out: IO[str] = sys.stdout) -> int:
    """Write every active profile to `path` (`-` for standard output)."""
    with session_scope(engine) as session:
        rows = export_rows(session)
    if path == "-":
        write_csv(rows, out)
        return 0
    try:
        with open(path, "w", encoding="utf-8", newline="") as stream:
            write_csv(rows, stream)
    except OSError as exc:
        print(f"partnerbot: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(rows)} profiles to {path}", file=out)
    return 0
