"""The `partnerbot` command line (`partnerbot.cli` runs it with the app assembled for `serve`)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot", description="Run a partner-to-partner ecosystem in Slack.")
    parser.add_argument("--env-file", default=".env", help="settings file read under the environment (default .env)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("serve", help="run the bot (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT)")
    sub.add_parser("demo", help="load the sample ecosystem and print ranked matches for sample asks")

    imp = sub.add_parser("import-partners", help="upsert profiles from a CSV file")
    imp.add_argument("file")
    imp.add_argument("--quiet", action="store_true", help="no progress display")

    exp = sub.add_parser("export-partners", help="write all profiles to a CSV file")
    exp.add_argument("file")

    match = sub.add_parser("match", help="rank partners for an ask, as /findpartner does")
    match.add_argument("text")
    match.add_argument("--top", type=int, default=5)
    match.add_argument("--json", action="store_true")

    digest = sub.add_parser("digest", help="print or post the engagement metrics")
    digest.add_argument("--days", type=int, default=7)
    digest.add_argument("--json", action="store_true")
    digest.add_argument("--post", action="store_true", help="post the digest to DIGEST_CHANNEL now (once per period)")

    jobs = sub.add_parser("jobs", help="scheduled jobs")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run_due = jobs_sub.add_parser("run-due", help="run once every job that is due")
    run_due.add_argument("--at", type=_iso_time, default=None, help="judge what is due at this ISO time")

    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply database migrations")
    return parser


# --at is a time the bot could run at: far outside, date arithmetic (due = at - days) overflows.
AT_YEARS = (2000, 2999)


def _iso_time(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {value[:60]!r}") from None
    if not AT_YEARS[0] <= when.year <= AT_YEARS[1]:
        raise argparse.ArgumentTypeError(f"{value[:60]!r} is outside the years {AT_YEARS[0]}..{AT_YEARS[1]}")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def main(argv: list[str] | None = None, *, assemble=None) -> int:
    """`assemble(settings, context=...)` builds the Bolt app for `serve` (`partnerbot.app.assemble_app`)."""
    args = build_parser().parse_args(argv)
    # One OpenBLAS thread (before numpy is imported; a value set by the user wins). Asks rank on
    # RANKING_SLOTS threads at once and each multiplies one vector by the directory's semantic
    # matrix (bot/matching/semantic.py): with a pool per process, the threads of two products
    # fight over the same cores and spin between calls. At 100k profiles one thread halved the
    # one-at-a-time answer (75 -> 45 ms, docs/performance.md) and a process of `partnerbot match`
    # starts 30-50 ms sooner without the pool.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # No pydantic plugins (partnerbot has none; a value set by the user wins): looking for them
    # reads every installed package's entry points when `Settings` is defined, 9 ms of each start.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:  # migrations report every step at INFO: noise in front of a command's output
        logging.getLogger("alembic").setLevel(logging.WARNING)
    collecting = gc.isenabled()
    if args.command == "match":
        # One ask, then the process ends. What it makes lives to the end (modules, classes, the
        # matching data, the index) and the cyclic collector walked it again and again: off, a
        # `match` starts 60-90 ms sooner (docs/performance.md, fourth round). The settings are
        # imported below, not at the top, so that their import (a quarter of the start) runs
        # without it too.
        gc.disable()
    from bot.config import ConfigError, Settings

    try:
        settings = Settings.load(env_file=args.env_file)
        return run(args, settings, assemble=assemble)
    except ConfigError as exc:
        print(f"partnerbot: configuration error: {exc}", file=sys.stderr)
        return 2
    finally:
        if collecting:
            gc.enable()


def _engine(settings: Settings):
    from models.db import make_engine, upgrade

    engine = make_engine(settings.database_url, timeouts=settings.db_timeouts)
    upgrade(engine)
    return engine


def _upgrade(engine) -> None:
    from models.db import upgrade

    upgrade(engine)


def _context(settings: Settings):
    from bot.app import create_context

    return create_context(settings, engine=_engine(settings))


def run(args: argparse.Namespace, settings: Settings, *, assemble=None) -> int:
    from bot.config import ConfigError

    command = args.command
    if command == "serve":
        from bot.serve import serve

        if assemble is None:
            raise ConfigError("serve needs the assembled app: run `partnerbot serve` or `python -m partnerbot serve`")
        return serve(settings, assemble)
    if command == "db":
        _engine(settings)
        print(f"database is up to date ({_safe_url(settings.database_url)})")
        return 0
    if command == "demo":
        from bot.demo import run_demo

        return run_demo(settings, engine=_engine(settings), out=sys.stdout)
    if command == "import-partners":
        from bot.csv_io import import_partners_cli

        return import_partners_cli(_engine(settings), args.file, quiet=args.quiet, out=sys.stdout, err=sys.stderr)
    if command == "export-partners":
        from bot.csv_io import export_partners_cli

        return export_partners_cli(_engine(settings), args.file, out=sys.stdout)
    if command == "match":
        from bot.matching.cli import match_cli, match_saved

        answered = match_saved(settings, args.text, top=args.top, as_json=args.json, out=sys.stdout)
        if answered is not None:
            return answered
        from models.engine import make_engine

        # Read first; migrate (importing alembic, the ORM and every table) only when the database
        # is not up to date. Ranking reads in Core (models.reads): a start of about half the imports.
        return match_cli(settings, make_engine(settings.database_url), args.text, top=args.top, as_json=args.json,
                         out=sys.stdout, migrate=_upgrade, save_index=True)
    if command == "digest":
        from bot.metrics.cli import digest_cli

        if args.post and not settings.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is required by `partnerbot digest --post` (a bot token, xoxb-...)")

        return digest_cli(_context(settings), days=args.days, as_json=args.json, post=args.post, out=sys.stdout)
    if command == "jobs":
        from bot.scheduling import run_due

        if not settings.slack_bot_token:  # the jobs DM partners and post to channels
            raise ConfigError("SLACK_BOT_TOKEN is required by `partnerbot jobs run-due` (a bot token, xoxb-...)")

        done = run_due(_context(settings), args.at)
        for name, count in done.items():
            print(f"{name}: {'failed' if count < 0 else count}")
        return 1 if any(c < 0 for c in done.values()) else 0
    raise AssertionError(command)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
