"""Processes as Linux shows them (/proc): a `serve`'s ranking workers are its children."""

from __future__ import annotations

from pathlib import Path


def child_pids(pid: int) -> list[int]:
    """The process ids of `pid`'s children (of every one of its threads)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out
