"""Partner CSV import/export: line numbers, broken quoting, round trip, idempotence — on
SQLite and PostgreSQL (`engine` fixture)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import select

from bot.csv_io import export_partners_cli, import_partners_cli, import_rows, parse_rows
from models.company import Company, Member, get_company_by_name, member_user_ids
from models.db import session_scope

MESSY = (
    "\ufeffWebsite, Company ,capabilities,description,capacity,slack_user_id,colour\n"  # 1 header (BOM, any order)
    'https://acme.example,Acme Phones,"IP phone apps; custom apps ;ip PHONE apps","line one\n'  # 2
    "line two, with a comma\n"  # 3
    'line three",open,U0ACME001,blue\n'  # 4
    ",,uc,no company here,open,,red\n"  # 5 missing company
    "\n"  # 6 blank
    ",Beta Install,uc,desc,busy,,\n"  # 7 unknown capacity
    ',Gamma Ltd,"a"b,desc,open,,\n'  # 8 broken quoting (text after a closing quote)
    ",Delta Co,uc,desc,limited,u123,\n"  # 9 bad slack id
    ",ACME  phones,dup,desc,open,,\n"  # 10 duplicate company
    ",Epsilon,uc,desc,,U0EPS0001;U0EPS0002,\n"  # 11 fine: capacity defaults to open, two users
    ',Zeta,"never closed,desc,open,,\n'  # 12 broken quoting (unterminated)
    ",Eta,uc,desc,full,,\n"  # 13 fine again after the broken row
    ",Theta,uc,desc,open,U0EPS0001,\n"  # 14 slack user already on line 11
    ",Iota,a,b,open,,,extra\n"  # 15 too many fields
)


def write(tmp_path: Path, text: str, name: str = "partners.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(engine, path, quiet=True):
    out, err = io.StringIO(), io.StringIO()
    code = import_partners_cli(engine, str(path), quiet=quiet, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_parse_reports_physical_line_numbers():
    result = parse_rows(MESSY)
    errors = {e.line: e.message for e in result.errors}
    assert sorted(errors) == [5, 7, 8, 9, 10, 12, 14, 15]
    assert "missing company" in errors[5]
    assert "capacity" in errors[7] and "busy" in errors[7]
    assert "broken quoting" in errors[8]
    assert "u123" in errors[9] and "Slack user ID" in errors[9]
    assert "duplicate company" in errors[10] and "line 2" in errors[10]
    assert "broken quoting" in errors[12]
    assert "already on line 11" in errors[14]
    assert "fields" in errors[15]
    rows = {r.values["name"]: r for r in result.rows}
    assert sorted(rows) == ["Acme Phones", "Epsilon", "Eta"]
    acme = rows["Acme Phones"]
    assert acme.line == 2
    assert acme.values["capabilities"] == ["IP phone apps", "custom apps"]
    assert acme.values["description"] == "line one\nline two, with a comma\nline three"
    assert acme.slack_user_ids == ["U0ACME001"]
    assert rows["Epsilon"].values["capacity"] == "open" and rows["Epsilon"].line == 11
    assert rows["Epsilon"].slack_user_ids == ["U0EPS0001", "U0EPS0002"]
    assert rows["Eta"].line == 13
    assert result.warnings == ["unknown column `colour` ignored"]


def test_multiline_field_with_wrong_field_count_is_broken_quoting():
    text = 'company,description,capacity\nA,"starts\nB,desc,open\nC,x,open\n'
    result = parse_rows(text)
    assert [(e.line, "broken quoting" in e.message) for e in result.errors] == [(2, True)]
    assert [r.values["name"] for r in result.rows] == ["B", "C"]
    assert [r.line for r in result.rows] == [3, 4]


def test_import_reports_lines_and_imports_the_rest(engine, tmp_path):
    code, out, err = run_import(engine, write(tmp_path, MESSY))
    assert code == 1
    assert out.startswith("3 created, 0 updated, 0 unchanged, 8 errors")
    assert "warning: unknown column `colour` ignored" in err
    for line in (5, 7, 8, 9, 10, 12, 14, 15):
        assert f"line {line}: " in err
    with session_scope(engine) as session:
        acme = get_company_by_name(session, name="acme phones")
        assert acme.website == "https://acme.example"
        assert member_user_ids(session, company_id=acme.id) == ["U0ACME001"]
        eps = get_company_by_name(session, name="Epsilon")
        assert member_user_ids(session, company_id=eps.id) == ["U0EPS0001", "U0EPS0002"]
        assert get_company_by_name(session, name="Eta").capacity == "full"
        assert len(session.exec(select(Company)).all()) == 3


def test_reimport_changes_nothing(engine, tmp_path):
    path = write(tmp_path, MESSY)
    run_import(engine, path)
    with session_scope(engine) as session:
        before = {c.id: c.updated_at for c in session.exec(select(Company))}
    code, out, _ = run_import(engine, path)
    assert code == 1
    assert out.startswith("0 created, 0 updated, 3 unchanged, 8 errors")
    with session_scope(engine) as session:
        assert {c.id: c.updated_at for c in session.exec(select(Company))} == before


def test_update_by_case_insensitive_name_and_absent_columns_untouched(engine, tmp_path):
    run_import(engine, write(tmp_path, "company,capacity,regions,slack_user_id\nAcme,limited,Arizona;Texas,U0ACME001\n"))
    code, out, _ = run_import(engine, write(tmp_path, "company,regions,slack_user_id\nACME,Arizona,U0ACME002\n", "b.csv"))
    assert code == 0 and out.startswith("0 created, 1 updated, 0 unchanged, 0 errors")
    with session_scope(engine) as session:
        acme = get_company_by_name(session, name="acme")
        assert acme.name == "ACME" and acme.regions == ["Arizona"]
        assert acme.capacity == "limited"  # no capacity column: kept
        assert member_user_ids(session, company_id=acme.id) == ["U0ACME001", "U0ACME002"]
    # A user moving to another company counts as an update of that company.
    run_import(engine, write(tmp_path, "company\nBeta\n", "c.csv"))
    code, out, _ = run_import(engine, write(tmp_path, "company,slack_user_id\nBeta,U0ACME002\n", "d.csv"))
    assert out.startswith("0 created, 1 updated, 0 unchanged")
    with session_scope(engine) as session:
        assert member_user_ids(session, company_id=get_company_by_name(session, name="beta").id) == ["U0ACME002"]


def test_round_trip_exact(engine, tmp_path):
    source = (
        "company,partner_type,capabilities,industries,regions,certifications,description,slack_user_id,capacity,website\n"
        'Dallas Phone Apps,isv,"custom phone apps;timecards, shifts",restaurants,Texas;Dallas,,'
        '"Builds apps\non IP phones, ""touch"" screens <!channel>",U0DAL0001,limited,https://dpa.example/x?a=1&b=2\n'
        "Phoenix UC,Installer,UC installation,,Arizona;Phoenix,Cisco Gold Certified,,,open,\n"
        "Üñíçødé Partners,Telecom carrier,émoji 🎉,,EMEA,,,U0UNI0001;U0UNI0002,full,\n"
    )
    run_import(engine, write(tmp_path, source))
    first = tmp_path / "export1.csv"
    assert export_partners_cli(engine, str(first), out=io.StringIO()) == 0
    exported = first.read_text(encoding="utf-8")
    assert exported.splitlines()[0] == ("company,partner_type,capabilities,industries,regions,certifications,"
                                        "description,slack_user_id,capacity,website,contact_emails")
    assert "ISV" in exported  # canonical spelling of a known type
    with session_scope(engine) as session:
        before = [(c.id, c.updated_at, c.name, c.capabilities, c.description, c.website, c.capacity)
                  for c in session.exec(select(Company).order_by(Company.id))]
    code, out, _ = run_import(engine, first)
    assert code == 0 and out.startswith("0 created, 0 updated, 3 unchanged, 0 errors")
    second = tmp_path / "export2.csv"
    export_partners_cli(engine, str(second), out=io.StringIO())
    assert second.read_text(encoding="utf-8") == exported
    with session_scope(engine) as session:
        after = [(c.id, c.updated_at, c.name, c.capabilities, c.description, c.website, c.capacity)
                 for c in session.exec(select(Company).order_by(Company.id))]
    assert after == before
    # and into an empty database the export rebuilds the same profiles
    parsed = parse_rows(exported)
    assert [r.values["name"] for r in parsed.rows] == ["Dallas Phone Apps", "Phoenix UC", "Üñíçødé Partners"]
    assert parsed.rows[0].values["description"] == 'Builds apps\non IP phones, "touch" screens <!channel>'


def test_export_skips_deleted_profiles(engine, tmp_path):
    from bot.profiles import delete_profile
    from models.base import utcnow

    run_import(engine, write(tmp_path, "company,slack_user_id\nKeep,U0KEEP001\nGone,U0GONE001\n"))
    with session_scope(engine) as session:
        gone = get_company_by_name(session, name="Gone")
        delete_profile(session, company_id=gone.id, actor="U0GONE001", is_manager=False, now=utcnow())
    out = io.StringIO()
    export_partners_cli(engine, "-", out=out)
    assert out.getvalue().splitlines()[1:] == ["Keep,,,,,,,U0KEEP001,open,,"]
    # the deleted name can be imported again as a new profile
    code, text, _ = run_import(engine, write(tmp_path, "company\nGone\n", "again.csv"))
    assert text.startswith("1 created")
    with session_scope(engine) as session:
        assert session.exec(select(Member).where(Member.slack_user_id == "U0GONE001")).first() is None


@pytest.mark.parametrize(("content", "fragment"), [
    (None, "No such file"),
    (b"company,description\nAcme,caf\xe9\n", "not UTF-8"),
    (b"name,capacity\nAcme,open\n", "no `company` column"),
    (b"", "empty"),
    (b"\n\n", "empty"),
])
def test_unreadable_file_exits_2(sqlite_engine, tmp_path, content, fragment):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_import(sqlite_engine, path)
    assert code == 2
    assert fragment in err and out == ""


def test_progress_lines_when_not_a_terminal(sqlite_engine, tmp_path):
    rows = "".join(f"Company {i},uc;x{i},open\n" for i in range(5000))
    code, out, err = run_import(sqlite_engine, write(tmp_path, "company,capabilities,capacity\n" + rows), quiet=False)
    assert code == 0 and out.startswith("5000 created")
    lines = [line for line in err.splitlines() if line.startswith("saving")]
    assert lines[0].split() [:2] == ["saving", "0%"]
    assert lines[-1].split()[:4] == ["saving", "100%", "5,000/5,000", "rows"] and "rows/s" in lines[-1]
    assert 3 <= len(lines) <= 11
    reading = [line for line in err.splitlines() if line.startswith("reading")]
    assert reading and reading[-1].split()[:3] == ["reading", "100%", "5,001/5,001"]


def test_import_rows_directly(engine):
    parsed = parse_rows("company,capacity\nA,open\nB,full\n")
    with session_scope(engine) as session:
        stats = import_rows(session, parsed.rows)
    assert (stats.created, stats.updated, stats.unchanged) == (2, 0, 0)
    with session_scope(engine) as session:
        stats = import_rows(session, parse_rows("company,capacity\nA,limited\nB,full\n").rows)
    assert (stats.created, stats.updated, stats.unchanged) == (0, 1, 1)


def test_progress_rewrites_one_line_on_a_terminal():
    from bot.csv_io import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    progress = Progress(term, "saving ", "rows")
    for done in (0, 500, 1000):
        progress.last_draw = 0.0  # as if time had passed between batches
        progress(done, 1000)
    progress(1000, 1000)  # a repeated final call draws nothing more
    text = term.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") == 3
    assert text.rstrip().rsplit("\r", 1)[-1].split()[:3] == ["saving", "100%", "1,000/1,000"]


# -- property: whatever a profile holds, writing it and reading it back gives it back ----
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.csv_io import write_csv  # noqa: E402
from bot.profiles import validate_fields  # noqa: E402
from models.company import company_key  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({
    "name": _text, "partner_type": _text, "capabilities": st.lists(_text, max_size=5),
    "regions": st.lists(_text, max_size=5), "description": _text,
    "capacity": st.sampled_from(["open", "limited", "full"]),
}), min_size=1, max_size=5))
def test_any_valid_profile_survives_write_then_read(profiles):
    rows, expected, keys = [], [], set()
    for p in profiles:
        raw = {**p, "capabilities": ";".join(p["capabilities"]), "regions": ";".join(p["regions"])}
        values, errors = validate_fields(raw)
        if errors or not values["name"] or company_key(values["name"]) in keys:
            continue
        keys.add(company_key(values["name"]))
        expected.append(values)
        rows.append({"company": values["name"], "partner_type": values["partner_type"],
                     "capabilities": ";".join(values["capabilities"]), "regions": ";".join(values["regions"]),
                     "description": values["description"], "capacity": values["capacity"]})
    buffer = io.StringIO()
    write_csv(rows, buffer)
    parsed = parse_rows(buffer.getvalue())
    assert parsed.errors == []
    got = [{k: r.values[k] for k in expected[0]} for r in parsed.rows] if expected else []
    assert got == expected


def test_profile_created_in_slack_during_the_import(sqlite_engine, tmp_path, monkeypatch):
    """After the import read the directory and before it saves, someone creates one of the
    file's companies in Slack: the import saves nothing and says to run it again; the
    second run imports the rest."""
    import bot.csv_io as csv_io

    class RacingProgress(csv_io.Progress):
        def __call__(self, done, total):
            if self.label.startswith("saving") and done == 0:
                with session_scope(sqlite_engine) as session:
                    session.add(Company(name="Racer", name_key="racer"))
            super().__call__(done, total)

    monkeypatch.setattr(csv_io, "Progress", RacingProgress)
    path = write(tmp_path, "company,capacity\nAlpha,open\nRacer,full\n")
    code, out, err = run_import(sqlite_engine, path, quiet=False)
    assert code == 1 and "run the import again" in err and out == ""
    with session_scope(sqlite_engine) as session:
        assert [c.name for c in session.exec(select(Company))] == ["Racer"]
    code, out, _ = run_import(sqlite_engine, path)
    assert code == 0 and out.startswith("1 created, 1 updated, 0 unchanged")
