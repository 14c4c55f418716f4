"""The `partnerbot` command: `bot.cli` with the app assembled here for `serve`."""

from __future__ import annotations

from bot import cli
from partnerbot.app import assemble_app


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, assemble=assemble_app)
