"""Issue 13.4 (and the CSV parts of 13.6 and 13.11): an exported CSV never carries a live
spreadsheet formula, and an import of it restores the text exactly."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from bot.csv_io import defuse_cell, export_partners_cli, import_partners_cli, restore_cell
from models.company import Company
from models.db import session_scope

HOSTILE = {
    "company": '=HYPERLINK("http://evil.example","click")',
    "partner_type": "@SUM(A1:A9)",
    "capabilities": "+1 support;-2 installs;=cmd|' /C calc'!A0",
    "industries": "\tTabbed",
    "regions": "Arizona",
    "certifications": "'=already quoted",
    "description": "=1+2",
}


def export_text(engine) -> str:
    out = io.StringIO()
    assert export_partners_cli(engine, "-", out=out) == 0
    return out.getvalue()


def import_text(engine, tmp_path, text: str) -> int:
    path = tmp_path / "partners.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return import_partners_cli(engine, str(path), quiet=True, out=io.StringIO(), err=io.StringIO())


def profiles(engine) -> list[dict]:
    with session_scope(engine) as s:
        rows = s.exec(select(Company).where(Company.deleted_at.is_(None)).order_by(Company.name_key)).all()
        return [{"name": c.name, "partner_type": c.partner_type, "capabilities": c.capabilities,
                 "industries": c.industries, "certifications": c.certifications, "description": c.description}
                for c in rows]


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@x", "\tx", "\rx", "'=x", "''+x", "plain", "'plain", "", "a=b"])
def test_defuse_and_restore_are_inverse(value):
    written = defuse_cell(value)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore_cell(written) == value


def test_export_has_no_live_formula_and_the_import_restores_it(engine, tmp_path):
    source = io.StringIO()
    writer = csv.writer(source, lineterminator="\n")
    writer.writerow(HOSTILE.keys())
    writer.writerow(HOSTILE.values())
    writer.writerow(["Plain Co", "ISV", "apps", "", "Texas", "", "plain"])
    assert import_text(engine, tmp_path, source.getvalue()) == 0
    before = profiles(engine)
    assert any(p["name"] == HOSTILE["company"] for p in before)

    exported = export_text(engine)
    for record in list(csv.reader(io.StringIO(exported)))[1:]:
        for cell in record:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"live formula in the export: {cell!r}"
    assert "'=HYPERLINK(" in exported and "'=1+2" in exported and "'+1 support" in exported

    # Into an empty directory, the export rebuilds exactly the same profiles.
    with session_scope(engine) as s:
        for c in s.exec(select(Company)).all():
            s.delete(c)
    assert import_text(engine, tmp_path, exported) == 0
    assert profiles(engine) == before
    assert export_text(engine) == exported
