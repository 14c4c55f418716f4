"""The `partnerbot` command: `bot.cli` with the app assembled here for `serve`."""

from __future__ import annotations

from bot import cli


def assemble_app(*args, **kwargs):
    # Imported on use: Bolt and every handler are for `serve`, not for `match` or `demo`
    # (a third of `partnerbot match`'s start-up; docs/performance.md).
    from partnerbot.app import assemble_app as assemble

    return assemble(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, assemble=assemble_app)
