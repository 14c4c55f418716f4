"""Load benchmark: `partnerbot serve` (HTTP mode) under signed `/findpartner` traffic.

Starts a fake Slack Web API server, a database with N synthetic profiles (imported through
`bot.csv_io`, the CSV import path), and `python -m bot serve` as a subprocess; then sends a
fixed number of signed `/findpartner` slash commands from C concurrent keep-alive clients.

Prints acknowledgement latency (p50/p95/p99/max), throughput, errors, and LOST responses:
every command must produce exactly one response_url post at the fake Slack (waited for with a
bounded timeout). Exits non-zero when there are errors, lost or duplicated responses, or
(unless --no-target) an acknowledgement p99 over the target.

    python benchmarks/load_http.py                      # 10k profiles, 2000 requests, 50 clients, SQLite
    python benchmarks/load_http.py --quick              # 1k profiles, 300 requests (CI)
    python benchmarks/load_http.py --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres
        (a scratch database is created on that server and dropped afterwards)
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeslack import TEAM_ID, FakeSlack  # noqa: E402
from tests.processes import child_pids  # noqa: E402
from tests.slackrequests import sign  # noqa: E402

SECRET = "load-benchmark-signing-secret"
CAPABILITIES = ["unified communications installation", "IP phone apps", "kubernetes consulting", "managed services",
                "security operations center", "point of sale integration", "disaster recovery", "VoIP telephony",
                "structured cabling", "cloud migration", "custom mobile apps", "data center networking",
                "contact center", "video conferencing rooms", "Wi-Fi site surveys", "ERP integration"]
INDUSTRIES = ["restaurants", "retail", "healthcare", "education", "manufacturing", "finance", "hospitality",
              "logistics", "government", "energy"]
REGIONS = ["Arizona", "Texas", "California", "New York", "EMEA", "APAC", "Germany", "Ontario", "Phoenix", "Dallas",
           "Tucson", "Southwest", "North America", "LATAM", "United Kingdom", "global"]
TYPES = ["ISV", "IHV", "Solution provider", "Systems integrator", "Installer", "Managed service provider",
         "Service outsourcer", "Distributor", "Consultancy"]
ASKS = ["cisco uc install in tucson", "custom ip phone apps for timecards", "k8s help in germany",
        "MSP for restaurants in arizona", "SOC for a hospital in texas", "POS integration retail california",
        "DR plan for a bank in new york", "unifed comms installer phoenix", "wifi survey for a school in ontario",
        "contact center migration EMEA", "video rooms for a hotel chain", "ERP integration manufacturing dallas"]


def realistic_asks() -> list[str]:
    """Asks written by people who never saw the matcher (tests/devset), in a fixed shuffled order."""
    from tests.devset.evaluation import DEVSET, load_asks

    texts = [a.text for name in ("blind14", "blind17", "blind18") for a in load_asks(DEVSET / f"{name}.yaml")]
    random.Random(5).shuffle(texts)
    return texts


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


# -- database ----------------------------------------------------------------------------------
def scratch_database(url: str | None, workdir: Path) -> tuple[str, callable]:
    """(database URL, cleanup): a SQLite file, or a fresh database on the PostgreSQL server."""
    if not url or url.startswith("sqlite"):
        path = workdir / "load.db"
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from models.db import make_engine

    try:  # dropping a 100k-profile database takes longer than a request may
        from models.db import MIGRATION_TIMEOUTS

        admin = make_engine(url, timeouts=MIGRATION_TIMEOUTS)
    except ImportError:  # an older checkout (measuring a baseline)
        admin = make_engine(url)
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    name = f"pbload_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def spread_edit_times(engine, *, days: int = 60) -> None:
    """Profiles edited over the last weeks, as in a live directory (one edit time each),
    instead of the one timestamp a bulk import gives every row."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import bindparam, select, update

    from models.company import Company

    table = Company.__table__
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ids = list(conn.execute(select(table.c.id)).scalars())
        step = timedelta(days=days) / max(1, len(ids))
        stmt = update(table).where(table.c.id == bindparam("cid")).values(updated_at=bindparam("at"))
        conn.execute(stmt, [{"cid": cid, "at": now - step * (len(ids) - n)} for n, cid in enumerate(ids)])


def load_profiles(db_url: str, count: int, seed: int = 7, *, fresh_import: bool = False) -> tuple[float, list[str]]:
    """Import `count` synthetic profiles through the CSV import; (seconds, their Slack users)."""
    import csv
    import io

    from bot import csv_io
    from models.db import make_engine, session_scope, upgrade

    rnd = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["company", "partner_type", "capabilities", "industries", "regions", "certifications",
                     "description", "slack_user_id", "capacity", "website"])
    users = []
    for i in range(count):
        user = f"U{i:09d}"
        users.append(user)
        caps = rnd.sample(CAPABILITIES, rnd.randint(1, 4))
        writer.writerow([f"Partner {i:05d} {rnd.choice(['Systems', 'Tech', 'Comms', 'Labs', 'Group'])}",
                         rnd.choice(TYPES), ";".join(caps), ";".join(rnd.sample(INDUSTRIES, rnd.randint(1, 3))),
                         ";".join(rnd.sample(REGIONS, rnd.randint(1, 3))),
                         rnd.choice(["Cisco Gold Certified", "Microsoft Partner", "", "AWS Advanced"]),
                         f"We deliver {caps[0]} for our customers.", user,
                         rnd.choices(["open", "limited", "full"], [8, 2, 1])[0], ""])
    engine = make_engine(db_url)
    upgrade(engine)
    started = time.perf_counter()
    parsed = csv_io.parse_rows(out.getvalue())
    assert not parsed.errors, parsed.errors[:3]
    with session_scope(engine) as session:
        csv_io.import_rows(session, parsed.rows)
    seconds = time.perf_counter() - started
    if not fresh_import:
        spread_edit_times(engine)
    engine.dispose()
    return seconds, users


# -- the bot -------------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bot(fake: FakeSlack, db_url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-load", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_BASE_URL": fake.api_url, "DATABASE_URL": db_url, "PORT": str(port),
           "PARTNERBOT_MANAGERS": "U0MANAGER1", "APPROVALS_CHANNEL": "C0APPROVAL", "DIGEST_CHANNEL": "C0DIGEST01",
           # The saved index of this scratch database stays with the run (bot.matching.persist).
           "PARTNERBOT_CACHE_DIR": os.environ.get("PARTNERBOT_CACHE_DIR", str(log_path.parent / "cache"))}
    env.pop("SLACK_APP_TOKEN", None)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "bot", "--env-file", os.devnull, "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"partnerbot serve exited; see {log_path}:\n{log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("partnerbot serve did not become healthy in 120 s")


# -- the clients -----------------------------------------------------------------------------------
class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ack: list[float] = []
        self.sent_at: dict[str, float] = {}
        self.errors: Counter = Counter()


def command_body(fake: FakeSlack, user: str, text: str) -> tuple[str, str]:
    url = fake.new_response_url()
    form = {"token": "legacy", "team_id": TEAM_ID, "team_domain": "partners", "channel_id": "C0GENERAL1",
            "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/findpartner",
            "text": text, "api_app_id": "A0PARTNERBOT", "response_url": url,
            "trigger_id": f"trig.{uuid.uuid4().hex[:16]}"}
    return urlencode(form), url.split("/response/", 1)[1]


def client(port: int, fake: FakeSlack, users: list[str], todo: list[int], results: Results, seed: int) -> None:
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        with results.lock:
            if not todo:
                break
            todo.pop()
        body, key = command_body(fake, rnd.choice(users), rnd.choice(ASKS))
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sign(SECRET, ts, body)}
        started = time.perf_counter()
        try:
            conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            resp = conn.getresponse()
            resp.read()
            elapsed = time.perf_counter() - started
            with results.lock:
                results.ack.append(elapsed)
                results.sent_at[key] = started
                if resp.status != 200:
                    results.errors[f"HTTP {resp.status}"] += 1
        except Exception as exc:  # noqa: BLE001 - every failure is counted and named
            with results.lock:
                results.errors[type(exc).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def wait_for_responses(fake: FakeSlack, expected: set[str], timeout: float, stall: float) -> dict[str, list[float]]:
    """response key -> arrival times of its response_url posts (perf_counter clock).

    Waits while answers keep coming (a backlog drains), until all arrived, nothing arrived
    for `stall` seconds (the rest are lost), or `timeout` in all."""
    deadline = time.monotonic() + timeout
    seen, last_progress = -1, time.monotonic()
    while time.monotonic() < deadline:
        with fake._lock:
            got = {r["_url"].split("/response/", 1)[1] for r in fake.responses}
        if expected <= got:
            break
        if len(got) != seen:
            seen, last_progress = len(got), time.monotonic()
        elif time.monotonic() - last_progress > stall:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # a duplicate would arrive right after
    arrivals: dict[str, list[float]] = {}
    offset = time.perf_counter() - time.monotonic()
    with fake._lock:
        for r in fake.responses:
            arrivals.setdefault(r["_url"].split("/response/", 1)[1], []).append(r["_at"] + offset)
    return arrivals


# -- one ask at a time, the naive baseline, replicas -----------------------------------------------
def post_signed(conn: http.client.HTTPConnection, body: str) -> int:
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(SECRET, ts, body)}
    conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
    resp = conn.getresponse()
    resp.read()
    return resp.status


def ask_and_wait(port: int, fake: FakeSlack, user: str, text: str, timeout: float = 120.0) -> tuple[float, float, dict]:
    """One /findpartner: (acknowledged after s, answer posted after s, the answer)."""
    body, key = command_body(fake, user, text)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.monotonic()
    status = post_signed(conn, body)
    acked = time.monotonic() - started
    conn.close()
    if status != 200:
        raise SystemExit(f"/findpartner answered HTTP {status}")
    deadline = started + timeout
    with fake._lock:
        while True:
            for r in fake.responses:
                if r["_url"].endswith(key):
                    return acked, r["_at"] - started, r
            if time.monotonic() > deadline:
                raise SystemExit(f"no answer to {text!r} in {timeout:.0f} s")
            fake._lock.wait(0.05)


def one_at_a_time(port: int, fake: FakeSlack, users: list[str], count: int) -> list[float]:
    rnd = random.Random(3)
    return [ask_and_wait(port, fake, rnd.choice(users), ASKS[n % len(ASKS)])[1] for n in range(count)]


def naive_baseline(db_url: str, count: int) -> list[float]:
    """rapidfuzz WRatio over every profile's text, in this process, on the same rows and asks."""
    from rapidfuzz import fuzz, process, utils
    from sqlalchemy import select

    from models.company import Company
    from models.db import make_engine

    engine = make_engine(db_url)
    t = Company.__table__
    with engine.connect() as conn:
        texts = [" ".join([r.name, r.partner_type, *r.capabilities, *r.industries, *r.regions, *r.certifications,
                           r.description]) for r in conn.execute(select(t).where(t.c.deleted_at.is_(None)))]
    engine.dispose()
    out = []
    for n in range(count):
        started = time.perf_counter()
        process.extract(ASKS[n % len(ASKS)], texts, scorer=fuzz.WRatio, processor=utils.default_process, limit=5)
        out.append(time.perf_counter() - started)
    return out


def propagation_delay(ports: list[int], fake: FakeSlack, db_url: str, owner: str, timeout: float = 60.0) -> float:
    """Edit a profile through the first replica's profile modal; seconds until the second
    replica's /findpartner answers show it."""
    import json

    from sqlalchemy import select

    from models.company import Company, Member
    from models.db import make_engine
    from tests.slackrequests import SlackRequester, select_value, text_value

    engine = make_engine(db_url)
    with engine.connect() as conn:
        company = conn.execute(select(Company.__table__).join(
            Member.__table__, Member.__table__.c.company_id == Company.__table__.c.id).where(
            Member.__table__.c.slack_user_id == owner)).one()
    engine.dispose()
    marker = f"sourdough robotics calibration {uuid.uuid4().hex[:4]}"
    fields = {"company": company.name, "partner_type": company.partner_type,
              "capabilities": "\n".join([*company.capabilities, marker]), "industries": "\n".join(company.industries),
              "regions": "\n".join(company.regions), "certifications": "\n".join(company.certifications),
              "description": company.description, "capacity": company.capacity, "website": ""}
    values = {b: {"value": select_value(v) if b in ("partner_type", "capacity") else text_value(v)}
              for b, v in fields.items()}
    _ack, _answer, before = ask_and_wait(ports[1], fake, "UNOPROFILE000", marker)
    if company.name in str(before.get("blocks")):
        raise SystemExit("the partner is found before the edit: the propagation figure would mean nothing")
    slack = SlackRequester(f"http://127.0.0.1:{ports[0]}", SECRET, fake)
    started = time.monotonic()
    reply = slack.view_submission("profile_modal", values, user_id=owner,
                                  private_metadata=json.dumps({"company_id": company.id}))
    saved = time.monotonic()
    if reply.status != 200 or reply.json().get("response_action") not in ("update", "clear", None):
        raise SystemExit(f"the profile edit was refused: {reply.status} {reply.text[:300]}")
    while time.monotonic() - saved < timeout:
        _ack, _answer, response = ask_and_wait(ports[1], fake, "UNOPROFILE000", marker)
        if company.name in str(response.get("blocks")):
            return time.monotonic() - saved
    raise SystemExit(f"the edit did not show in the other replica in {timeout:.0f} s (saved after "
                     f"{saved - started:.2f} s)")


def _own_peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb(pid: int) -> tuple[float, str]:
    """Peak resident memory of `serve` and of its ranking workers (children), summed: an upper
    bound of what they held at once (pages of shared libraries count once per process)."""
    parts = [("serve", _own_peak_rss_mb(pid))] + [(_role(c), _own_peak_rss_mb(c)) for c in child_pids(pid)]
    total = sum(mb for _, mb in parts)
    detail = " (" + " + ".join(f"{role} {mb:.0f}" for role, mb in parts) + ")" if len(parts) > 1 else ""
    return total, f"{total:.0f} MB{detail}"


def _role(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return "child"
    return "multiprocessing's resource tracker" if "resource_tracker" in cmdline else "ranking worker"


def log_lines(log_path: Path) -> int:
    return len(log_path.read_text(errors="replace").splitlines())


def longest_gc_pause(log_path: Path, from_line: int = 0) -> str:
    """The longest collector pause `bot.gcwatch` logged from `from_line` on (pauses >= 20 ms are logged)."""
    pauses = [float(m.group(1)) for ln in log_path.read_text(errors="replace").splitlines()[from_line:]
              if (m := re.search(r"gc: pause ([\d.]+) ms", ln))]
    idle = [float(m.group(1)) for ln in log_path.read_text(errors="replace").splitlines()[from_line:]
            if (m := re.search(r"gc: idle full collection ([\d.]+) ms", ln))]
    shown = f"{max(pauses):.0f} ms ({len(pauses)} pauses >= 20 ms)" if pauses else "none >= 20 ms"
    # bot/gcwatch.py: full collections run when no request is in flight (not an answer's pause).
    return shown + (f"; idle full collections {len(idle)}, longest {max(idle):.0f} ms" if idle else "")


def build_log(log_path: Path) -> str:
    """What the serve log says about building, loading and saving the index."""
    lines = [re.sub(r" (to|from) \S+", "", ln.split("directory: ", 1)[1])
             for ln in log_path.read_text(errors="replace").splitlines() if "directory: index" in ln]
    return "; ".join(lines) if lines else "-"


def wait_for_saved_index(log_path: Path, timeout: float = 120.0) -> None:
    """A freshly built large index is saved in the background for the next start; the timed
    phases begin after that (its CPU would otherwise be counted against the first answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if "profiles built in" not in text or "saved to" in text or "cannot write" in text:
            return
        time.sleep(0.2)


def burst(ports: list[int], fake: FakeSlack, askers: list[str], requests: int, concurrency: int) -> dict:
    results = Results()
    todo = list(range(requests))
    threads = [threading.Thread(target=client, args=(ports[i % len(ports)], fake, askers, todo, results, 100 + i))
               for i in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"results": results, "began": began, "send_seconds": time.perf_counter() - began}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000, help="asks in the burst")
    parser.add_argument("--concurrency", type=int, default=50, help="clients sending the burst at once")
    parser.add_argument("--sequential", type=int, default=20, help="asks one after another (time-to-results)")
    parser.add_argument("--replicas", type=int, default=1, help="serve processes on the one database (PostgreSQL)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive rapidfuzz baseline")
    parser.add_argument("--no-restart", action="store_true", help="skip the restart (first answer after a restart)")
    parser.add_argument("--quick", action="store_true", help="1k profiles, 300 requests, 5 one at a time (CI)")
    parser.add_argument("--db", default=None, help="SQLAlchemy URL of a PostgreSQL server (scratch database)")
    parser.add_argument("--target-p99", type=float, default=1.0, help="acknowledgement p99 target, seconds")
    parser.add_argument("--no-target", action="store_true", help="do not fail on a missed latency target")
    parser.add_argument("--response-timeout", type=float, default=1800.0,
                        help="at most this long for every answer (Slack keeps a response_url 30 minutes)")
    parser.add_argument("--stall-timeout", type=float, default=30.0,
                        help="answers missing when none arrived for this long are LOST")
    parser.add_argument("--reuse", metavar="DIR", default=None,
                        help="SQLite: keep the database and the saved index in DIR and reuse them in later runs "
                             "with the same --profiles (no import, no first build): quicker runs while tuning")
    parser.add_argument("--asks", choices=("short", "realistic"), default="short",
                        help="short: the twelve terse asks above; realistic: the 14th, 17th and 18th blind sets' "
                             "asks (chatty messages, several needs, outcomes, typos: as partners write them)")
    parser.add_argument("--fresh-import", action="store_true",
                        help="serve right after a bulk import (every profile with the same edit time) instead "
                             "of a directory edited over weeks")
    args = parser.parse_args(argv)
    if args.asks == "realistic":
        ASKS[:] = realistic_asks()
    if args.quick:
        args.profiles, args.requests = min(args.profiles, 1000), min(args.requests, 300)
        args.sequential = min(args.sequential, 5)

    if args.reuse and args.db:
        raise SystemExit("--reuse is for SQLite (no --db)")
    workdir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="pbload-"))
    workdir.mkdir(parents=True, exist_ok=True)
    fake = FakeSlack().start()
    db_url, drop_db = scratch_database(args.db, workdir)
    loaded_marker = workdir / f"loaded-{args.profiles}-{'fresh' if args.fresh_import else 'spread'}"
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    if args.replicas > 1 and backend != "postgresql":
        raise SystemExit("--replicas needs --db postgresql+psycopg://...")
    procs: list[subprocess.Popen] = []
    try:
        if args.reuse and loaded_marker.exists():
            import_seconds, users = float("nan"), [f"U{i:09d}" for i in range(args.profiles)]  # as load_profiles
        else:
            for old in [*workdir.glob("load.db*"), *workdir.glob("loaded-*")]:
                old.unlink()
            import_seconds, users = load_profiles(db_url, args.profiles, fresh_import=args.fresh_import)
            if args.reuse:
                loaded_marker.touch()
        # Some askers are partners with a profile, some are not.
        askers = users[: max(1, len(users) // 10)] + [f"UNOPROFILE{i:03d}" for i in range(50)]
        ports = [free_port() for _ in range(args.replicas)]
        logs = [workdir / f"serve{i}.log" for i in range(args.replicas)]
        started = time.monotonic()
        procs = [start_bot(fake, db_url, port, log) for port, log in zip(ports, logs, strict=True)]
        healthy = time.monotonic() - started
        # The first ask right away: acknowledged at once, answered once the index is ready.
        first_ack, first_answer, _ = ask_and_wait(ports[0], fake, askers[0], ASKS[0], timeout=600)
        first_answer += healthy
        for port in ports[1:]:  # every replica ready before the timed phases
            ask_and_wait(port, fake, askers[0], ASKS[0], timeout=600)

        for log in logs:
            wait_for_saved_index(log)
        timed_from = [log_lines(log) for log in logs]  # start-up pauses (loading data) are not an answer's
        sequential = one_at_a_time(ports[0], fake, askers, args.sequential)
        naive = [] if args.no_naive else naive_baseline(db_url, min(args.sequential, len(ASKS)))
        fake.reset()
        run = burst(ports, fake, askers, args.requests, args.concurrency)
        results, began = run["results"], run["began"]
        expected = set(results.sent_at)
        arrivals = wait_for_responses(fake, expected, args.response_timeout, args.stall_timeout)
        lost = sorted(expected - set(arrivals))
        duplicated = sorted(k for k in expected if len(arrivals.get(k, [])) > 1)
        answer_latency = [min(arrivals[k]) - results.sent_at[k] for k in results.sent_at if k in arrivals]
        propagation = (propagation_delay(ports, fake, db_url, users[0]) if len(ports) > 1 else None)
        peaks = [peak_rss_mb(p.pid) for p in procs]
        gc_pauses = [longest_gc_pause(log, n) for log, n in zip(logs, timed_from, strict=True)]
        gc_start = longest_gc_pause(logs[0])
        built = build_log(logs[0])

        restart = None
        if not args.no_restart:
            procs[0].terminate()
            procs[0].wait(timeout=30)
            started = time.monotonic()
            procs[0] = start_bot(fake, db_url, ports[0], logs[0].with_suffix(".restart.log"))
            restart_healthy = time.monotonic() - started
            _ack, answer, _ = ask_and_wait(ports[0], fake, askers[0], ASKS[1], timeout=600)
            restart = (restart_healthy, restart_healthy + answer, build_log(logs[0].with_suffix(".restart.log")),
                       peak_rss_mb(procs[0].pid)[1])

        ms = [s * 1000 for s in sequential]
        ack_ms = [a * 1000 for a in results.ack]
        print(f"partnerbot on the user's path ({backend}, {args.replicas} serve process"
              f"{'es' if args.replicas > 1 else ''}): {args.profiles:,} profiles"
              f"{' (right after a bulk import)' if args.fresh_import else ''}"
              f"{'; realistic asks (blind sets)' if args.asks == 'realistic' else ''}; signed /findpartner over HTTP, "
              f"answers timed at the fake Slack's response_url")
        print(f"  import of profiles (CSV path):            {import_seconds:.1f} s")
        print(f"  start-up to /healthz:                     {healthy:.1f} s")
        print(f"  first ask: acknowledged in {first_ack * 1000:.0f} ms; answered {first_answer:.1f} s after start "
              f"({built})")
        if restart:
            print(f"  after a restart: healthy in {restart[0]:.1f} s, first answer {restart[1]:.1f} s after start "
                  f"({restart[2]}; peak resident memory {restart[3]})")
        print(f"  time-to-results, one at a time ({len(ms)}): p50 {percentile(ms, 50):.0f} ms  "
              f"p95 {percentile(ms, 95):.0f} ms  max {max(ms):.0f} ms")
        if naive:
            naive_ms = [s * 1000 for s in naive]
            print(f"  naive rapidfuzz WRatio, same rows/asks:   p50 {percentile(naive_ms, 50):.0f} ms  "
                  f"p95 {percentile(naive_ms, 95):.0f} ms  (in-process scoring only)")
            print(f"  speed-up over naive (p50 / p50):          {percentile(naive_ms, 50) / percentile(ms, 50):.1f}x")
        drained = (max(min(arrivals[k]) for k in results.sent_at if k in arrivals) - began) if answer_latency else 0
        print(f"  burst: {args.requests} asks from {args.concurrency} clients at once"
              f"{f' over {len(ports)} replicas' if len(ports) > 1 else ''}:")
        if answer_latency:
            ans = [a * 1000 for a in answer_latency]
            print(f"    answered {len(answer_latency)}/{len(expected)} at {len(answer_latency) / max(drained, 1e-9):.1f} "
                  f"answers/s; time-to-results p50 {percentile(ans, 50):.0f} ms  p95 {percentile(ans, 95):.0f} ms  "
                  f"max {max(ans):.0f} ms")
        print(f"    acknowledgement (ms): p50 {percentile(ack_ms, 50):.0f}  p95 {percentile(ack_ms, 95):.0f}  "
              f"p99 {percentile(ack_ms, 99):.0f}  max {max(ack_ms, default=float('nan')):.0f}")
        print(f"    errors {sum(results.errors.values())} {dict(results.errors) or ''}; lost {len(lost)}; "
              f"duplicated {len(duplicated)}")
        print(f"  serve peak resident memory:               {', '.join(text for _mb, text in peaks)}")
        print(f"  longest GC pause in serve while asked:    {'; '.join(gc_pauses)} (from start: {gc_start})")
        if propagation is not None:
            print(f"  replica propagation (edit via one, seen in the other's answers): {propagation:.2f} s")
        failed = bool(results.errors or lost or duplicated)
        p99 = percentile(results.ack, 99)
        if p99 >= args.target_p99:
            print(f"  TARGET MISSED: acknowledgement p99 {p99 * 1000:.0f} ms >= {args.target_p99 * 1000:.0f} ms")
            failed = failed or not args.no_target
        if lost or results.errors:
            print(f"  serve logs: {', '.join(map(str, logs))}")
        print("RESULT:", "FAIL" if failed else "OK")
        return 1 if failed else 0
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        fake.stop()
        drop_db()


if __name__ == "__main__":
    sys.exit(main())
