"""`partnerbot demo`: load the bundled sample ecosystem and show ranked answers to sample asks.

Works on a fresh machine without Slack credentials (default database: SQLite in the
current directory) and can be run any number of times: profiles are upserted by name.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import Engine

from bot.config import Settings
from bot.matching.cli import format_table
from bot.matching.directory import Directory

SAMPLE_FILE = Path(__file__).resolve().parent / "data" / "sample_partners.csv"

SAMPLE_ASKS = [
    "cisco UC install plus custom ip phone apps for timecards in Tucson, AZ",
    "kuberntes platform team, US",
    "unifed comms installer near Phoenix",
    "SOC for a bank in EMEA",
    "POS for QSR franchisees; digital menu boards",
    "DR and offsite backup for a Chicago law firm",
    "underwater basket weaving supplies",
]


def load_sample(engine: Engine, path: Path = SAMPLE_FILE) -> int:
    """Upsert the sample profiles; the CSV importer when present, else a small loader here."""
    try:
        from bot.csv_io import import_partners_cli
    except ImportError:
        return _load_with_models(engine, path)
    sink = io.StringIO()
    code = import_partners_cli(engine, str(path), quiet=True, out=sink, err=sink)
    if code != 0:
        raise RuntimeError(f"sample import failed: {sink.getvalue().strip()}")
    with path.open(encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(";") if p.strip()]


def _load_with_models(engine: Engine, path: Path) -> int:
    from models.company import Company, company_key, get_company_by_name, link_member
    from models.db import session_scope

    count = 0
    with path.open(encoding="utf-8") as fh, session_scope(engine) as session:
        for row in csv.DictReader(fh):
            name = row["company"].strip()
            company = get_company_by_name(session, name=name) or Company(name=name, name_key=company_key(name))
            company.partner_type = row.get("partner_type", "").strip()
            company.capabilities = _split(row.get("capabilities"))
            company.industries = _split(row.get("industries"))
            company.regions = _split(row.get("regions"))
            company.certifications = _split(row.get("certifications"))
            company.description = (row.get("description") or "").strip()
            company.capacity = (row.get("capacity") or "open").strip() or "open"
            company.website = (row.get("website") or "").strip() or None
            company.updated_at = datetime.now(UTC)
            session.add(company)
            session.flush()
            if (row.get("slack_user_id") or "").strip():
                link_member(session, company_id=company.id, slack_user_id=row["slack_user_id"].strip())
            count += 1
    return count


def run_demo(settings: Settings, *, engine: Engine, out: TextIO) -> int:
    count = load_sample(engine)
    out.write(f"Loaded {count} sample partner profiles into {engine.url.render_as_string(hide_password=True)}\n\n")
    directory = Directory(engine)
    today = datetime.now(UTC).date()
    for text in SAMPLE_ASKS:
        ranking = directory.rank(text, today=today, max_open=settings.max_open_intros, top=5)
        out.write(format_table(ranking) + "\n\n")
    out.write('Try your own: partnerbot match "what you need" --top 5 [--json]\n')
    return 0
