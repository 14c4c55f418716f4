"""The screenshot tool's gallery (tools/render): every surface builds from the real builders
with realistic data, stays within Block Kit's limits, and renders without unknown parts."""

from __future__ import annotations

import re

import pytest

from tools.render import slackhtml
from tools.render.gallery import build_all


@pytest.fixture(scope="module")
def surfaces():
    return build_all()


def test_every_surface_renders_without_unknown_blocks(surfaces):
    names = [s.name for s in surfaces]
    assert len(names) == len(set(names))
    for s in surfaces:
        assert 'class="unknown"' not in s.html, s.name
        assert "\x00" not in s.html, s.name


def test_mrkdwn_tokens_become_names_and_dates():
    html = slackhtml.mrkdwn("*Hi* <@U0BOB> in <#C0P2P> on <!date^1793955600^{date_short_pretty}|x> &lt;b&gt;",
                            {"U0BOB": "Bob"}, {"C0P2P": "p2p-a-b"})
    assert "<b>Hi</b>" in html and "@Bob" in html and "#p2p-a-b" in html
    assert re.search(r"Nov \d+", html) and "&lt;b&gt;" in html  # typed text stays text


def test_every_surface_is_within_block_kit_limits(surfaces):
    from bot.blocks.limits import check_blocks, check_modal

    for s in surfaces:
        if s.kind == "message":
            check_blocks(s.payload["blocks"])
        else:
            check_modal(s.payload)
