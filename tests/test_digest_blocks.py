"""Digest and /partnerstats builders: within Block Kit limits whatever the data, user text escaped."""

from __future__ import annotations

from bot.blocks.digest import digest_blocks, fmt_change, period_label
from bot.blocks.limits import check_blocks
from bot.blocks.stats import no_profile_blocks, partner_stats_blocks, program_stats_blocks

NASTY = "<!channel> <@U0BOSS> <https://evil.example|click> & " + "x" * 3000


def huge_figures() -> dict:
    ranked = [{"name": NASTY, "count": 10**9} for _ in range(50)]
    return {
        "period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00", "days": 7,
        "asks": 10**9, "unmet_asks": 10**8, "partly_unmet_asks": 10**8, "matches_shown": 10**9, "intro_requests": 10**9, "approved": 10**9,
        "declined": 10**9, "introduced": 10**9, "working_together": 10**9, "deals_won": 10**9,
        "deal_value": 1.5e15, "active_partners": 10**6, "total_partners": 10**6, "participation_rate": 1.0,
        "new_profiles": 10**6, "updated_profiles": 10**6, "approval_hours_median": 12345.67,
        "approval_hours_p90": 99999.9, "top_capabilities": ranked, "top_industries": ranked, "top_regions": ranked,
        "top_unmet_needs": [NASTY] * 50, "top_unmet_needs_counts": ranked,
        "top_connectors": [{"company_id": i, "company": NASTY, "introductions": 10**9} for i in range(50)],
        "gaps": {"inactive_partners": 10**6, "stale_profiles": 10**6, "unanswered_introductions": 10**6},
        "change": {"asks": -(10**9), "participation_rate": -1.0, "deal_value": 1.5e15},
    }


def test_digest_blocks_within_limits_and_escaped():
    blocks = digest_blocks(huge_figures())
    check_blocks(blocks)
    text = str(blocks)
    for raw in ("<!channel>", "<@U0BOSS>", "<https://evil.example"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text


def test_digest_says_how_many_asks_were_only_partly_met():
    figures = huge_figures() | {"partly_unmet_asks": 1, "top_unmet_needs_counts": [{"name": "welding", "count": 2}]}
    text = str(digest_blocks(figures))
    assert "Recruit for *welding* (asked 2×)" in text and "1 ask found partners for some parts but not all" in text
    figures["partly_unmet_asks"] = 0
    assert "some parts" not in str(digest_blocks(figures))


def test_program_and_partner_stats_within_limits():
    check_blocks(program_stats_blocks(huge_figures(), days=365))
    partner = {"period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00",
               "asks": 1, "unmet_asks": 0, "intro_requests_made": 2, "intro_requests_received": 3, "introduced": 4,
               "open_introductions": 5, "working_together": 6, "deals_won": 7, "no_fit": 8, "deal_value": 9.5}
    blocks = partner_stats_blocks("Name " * 100, partner, days=30)
    check_blocks(blocks)
    assert {"type": "mrkdwn", "text": "*Deal value reported*\n9.5"} in blocks[2]["fields"]
    check_blocks(no_profile_blocks())


def test_changes_and_period_label():
    assert fmt_change(5) == "▲ 5" and fmt_change(-2) == "▼ 2" and fmt_change(0) == "no change"
    assert fmt_change(0.2, percent=True) == "▲ 20 pts" and fmt_change(None) == ""
    figures = {"period_start": "2026-11-02T16:00:00+00:00", "period_end": "2026-11-09T16:00:00+00:00"}
    assert period_label(figures, "America/Phoenix") == "Nov 2 – Nov 9, 2026"
    assert period_label({"period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00"}) \
        == "Nov 2 – Nov 8, 2026"
