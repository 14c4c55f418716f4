"""The program's engagement figures for a period [start, end), computed with SQL aggregates.

Every figure is one aggregate query (COUNT / SUM / GROUP BY) over indexed ranges, so the cost
grows with the period's rows, not with the table: no Python loop over rows.

Definitions (where the product text is silent):
- asks / unmet asks / matches shown: asks created in the period.
- partly unmet asks: asks some but not all of whose needs no shown partner covered.
- unmet demand: the needs no shown partner covered (`Ask.unmet_needs`), from every ask in the
  period, fully or partly unmet.
- intro requests: introductions created in the period.
- approved / declined: manager decisions taken in the period (`decided_at`).
- introduced: introductions made (channel posted) in the period (`introduced_at`).
- approval time: hours from request to the manager's decision (approve or decline), for the
  decisions taken in the period; median and 90th percentile (linear interpolation).
- outcomes: answers reported (last changed) in the period, counted once per introduction
  (both partners may report the same deal); deal value is the larger value reported per deal.
- active partners: companies that asked, requested or answered in the period, or were
  introduced in it; total partners: profiles existing (not deleted) at the period's end.
- participation gaps (as of the period's end): partners who neither asked nor were introduced
  in the last 90 days (profiles younger than 30 days are given time), profiles not updated
  for 90 days, introductions whose follow-up went unanswered for 14 days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, distinct, exists, func, literal_column, not_, or_, select, true, union, union_all
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from models import Ask, Company, Introduction, IntroState, Outcome, OutcomeKind
from models.introduction import MAX_DEAL_VALUE

QUARTER = timedelta(days=90)
NEW_PROFILE_GRACE = timedelta(days=30)
STALE_AFTER = timedelta(days=90)
UNANSWERED_AFTER = timedelta(days=14)
TOP = 5

# The figures compared with the previous period of equal length.
HEADLINE = (
    "asks",
    "unmet_asks",
    "partly_unmet_asks",
    "matches_shown",
    "intro_requests",
    "approved",
    "declined",
    "introduced",
    "working_together",
    "deals_won",
    "deal_value",
    "active_partners",
    "total_partners",
    "participation_rate",
    "new_profiles",
    "updated_profiles",
    "approval_hours_median",
)

ask_t = Ask.__table__
intro_t = Introduction.__table__
outcome_t = Outcome.__table__
company_t = Company.__table__


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _in(column, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _scalar(session: Session, stmt) -> int | float:
    return session.execute(stmt).scalar() or 0


# -- counts ------------------------------------------------------------------------------
def ask_counts(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(ask_t.c.matches_shown), 0),
            func.coalesce(func.sum(case((ask_t.c.unmet == true(), 1), else_=0)), 0),
        ).where(_in(ask_t.c.created_at, start, end))
    ).one()
    return {"asks": int(row[0]), "matches_shown": int(row[1]), "unmet_asks": int(row[2])}


def partly_unmet_count(session: Session, *, start: datetime, end: datetime) -> int:
    """Asks with some but not all of their needs unmet (a part nobody covers)."""
    unmet_n = func.coalesce(func.json_array_length(ask_t.c.unmet_needs), 0)
    return int(_scalar(session, select(func.count()).where(
        _in(ask_t.c.created_at, start, end), unmet_n > 0, unmet_n < func.json_array_length(ask_t.c.needs))))


def intro_counts(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    requests = _scalar(session, select(func.count()).where(_in(intro_t.c.created_at, start, end)))
    is_declined = intro_t.c.state == IntroState.DECLINED.value
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(case((is_declined, 1), else_=0)), 0))
        .where(_in(intro_t.c.decided_at, start, end), intro_t.c.state != IntroState.REQUESTED.value)
    ).one()
    declined = int(row[1])
    approved = int(row[0]) - declined
    introduced = _scalar(session, select(func.count()).where(_in(intro_t.c.introduced_at, start, end)))
    return {"intro_requests": int(requests), "approved": approved, "declined": declined,
            "introduced": int(introduced)}


def _decision_hours(session: Session) -> ColumnElement:
    if _dialect(session) == "sqlite":
        return (func.julianday(intro_t.c.decided_at) - func.julianday(intro_t.c.created_at)) * 24.0
    return func.extract("epoch", intro_t.c.decided_at - intro_t.c.created_at) / 3600.0


def approval_hours(session: Session, *, start: datetime, end: datetime) -> tuple[float | None, float | None]:
    """Median and 90th percentile of request-to-decision hours for decisions in the period."""
    hours = _decision_hours(session)
    where = and_(_in(intro_t.c.decided_at, start, end), intro_t.c.state != IntroState.REQUESTED.value)
    if _dialect(session) == "postgresql":
        row = session.execute(
            select(
                func.percentile_cont(0.5).within_group(hours),
                func.percentile_cont(0.9).within_group(hours),
            ).where(where)
        ).one()
        return (_round(row[0]), _round(row[1]))
    n = int(_scalar(session, select(func.count()).where(where)))
    if n == 0:
        return (None, None)
    return (_round(_percentile_by_offset(session, hours, where, n, 0.5)),
            _round(_percentile_by_offset(session, hours, where, n, 0.9)))


def _percentile_by_offset(session: Session, expr, where, n: int, p: float) -> float:
    """percentile_cont for databases without it: the two neighbouring ranks, interpolated."""
    rank = p * (n - 1)
    low = int(rank)
    values = [float(v) for v in session.execute(
        select(expr).where(where).order_by(expr).limit(2).offset(low)).scalars()]
    if len(values) == 1 or rank == low:
        return values[0]
    return values[0] + (values[1] - values[0]) * (rank - low)


def consent_counts(session: Session, *, start: datetime, end: datetime) -> dict:
    """The proposed partners' answers in the period (INTRO_CONSENT) and the median hours from
    being asked to answering (accepted and declined; an expiry is no answer)."""
    answered = _in(intro_t.c.consent_answered_at, start, end)
    counts = dict(session.execute(select(intro_t.c.consent_answer, func.count()).where(answered)
                                  .group_by(intro_t.c.consent_answer)).all())
    if _dialect(session) == "sqlite":
        hours = (func.julianday(intro_t.c.consent_answered_at) - func.julianday(intro_t.c.consent_asked_at)) * 24.0
    else:
        hours = func.extract("epoch", intro_t.c.consent_answered_at - intro_t.c.consent_asked_at) / 3600.0
    where = and_(answered, intro_t.c.consent_answer.in_(["accepted", "declined"]),
                 intro_t.c.consent_asked_at.is_not(None))
    n = int(_scalar(session, select(func.count()).where(where)))
    median = _round(_percentile_by_offset(session, hours, where, n, 0.5)) if n else None
    return {"consent_accepted": int(counts.get("accepted", 0)), "consent_declined": int(counts.get("declined", 0)),
            "consent_expired": int(counts.get("expired", 0)), "consent_hours_median": median}


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


# Rows written before deal values were bounded may hold 1e308: they are not counted, so no
# sum can overflow (PostgreSQL raises, SQLite returns Infinity).
_plausible_deal = outcome_t.c.deal_value.between(0, MAX_DEAL_VALUE)


def outcome_counts(session: Session, *, start: datetime, end: datetime) -> dict[str, float | int]:
    in_period = _in(outcome_t.c.updated_at, start, end)

    def per_intro(kind: str):
        return _scalar(session, select(func.count(distinct(outcome_t.c.introduction_id)))
                       .where(in_period, outcome_t.c.outcome == kind))

    deals = (
        select(func.max(case((_plausible_deal, outcome_t.c.deal_value), else_=None)).label("value"))
        .where(in_period, outcome_t.c.outcome == OutcomeKind.DEAL_WON.value)
        .group_by(outcome_t.c.introduction_id)
        .subquery()
    )
    deal_value = _scalar(session, select(func.coalesce(func.sum(deals.c.value), 0)))
    return {
        "working_together": int(per_intro(OutcomeKind.WORKING_TOGETHER.value)),
        "deals_won": int(per_intro(OutcomeKind.DEAL_WON.value)),
        "no_fit": int(per_intro(OutcomeKind.NO_FIT.value)),
        "deal_value": round(float(deal_value), 2),
    }


def _existing_companies(at: datetime) -> ColumnElement[bool]:
    return and_(company_t.c.created_at < at,
                or_(company_t.c.deleted_at.is_(None), company_t.c.deleted_at >= at))


def _active_company_ids(start: datetime, end: datetime):
    """Companies that asked, requested, were introduced or answered in [start, end)."""
    return union(
        select(ask_t.c.company_id.label("cid")).where(_in(ask_t.c.created_at, start, end),
                                                      ask_t.c.company_id.is_not(None)),
        select(intro_t.c.requester_company_id).where(_in(intro_t.c.created_at, start, end),
                                                     intro_t.c.requester_company_id.is_not(None)),
        select(intro_t.c.requester_company_id).where(_in(intro_t.c.introduced_at, start, end),
                                                     intro_t.c.requester_company_id.is_not(None)),
        select(intro_t.c.target_company_id).where(_in(intro_t.c.introduced_at, start, end)),
        select(outcome_t.c.company_id).where(_in(outcome_t.c.updated_at, start, end)),
    ).subquery()


def total_partners_at(session: Session, *, at: datetime) -> int:
    """Profiles existing (created, not deleted) at `at`."""
    return int(_scalar(session, select(func.count()).select_from(company_t).where(_existing_companies(_utc(at)))))


def participation(session: Session, *, start: datetime, end: datetime) -> dict[str, float | int]:
    total = int(_scalar(session, select(func.count()).select_from(company_t).where(_existing_companies(end))))
    active_ids = _active_company_ids(start, end)
    active = int(_scalar(session, select(func.count()).select_from(company_t)
                         .where(_existing_companies(end), company_t.c.id.in_(select(active_ids.c.cid)))))
    return {"active_partners": active, "total_partners": total,
            "participation_rate": round(active / total, 4) if total else 0.0}


def profile_counts(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    alive = company_t.c.deleted_at.is_(None)
    new = _scalar(session, select(func.count()).select_from(company_t)
                  .where(_in(company_t.c.created_at, start, end), alive))
    updated = _scalar(session, select(func.count()).select_from(company_t)
                      .where(_in(company_t.c.updated_at, start, end), company_t.c.created_at < start, alive))
    return {"new_profiles": int(new), "updated_profiles": int(updated)}


# -- tops --------------------------------------------------------------------------------
def _needs_table(session: Session, column=ask_t.c.needs):
    """An ask's JSON list column (needs by default) as rows with a `value` column."""
    if _dialect(session) == "sqlite":
        return func.json_each(column).table_valued("value")
    return func.json_array_elements_text(column).table_valued("value").render_derived()


def _ranked(session: Session, label, where, source, top: int) -> list[dict]:
    stmt = (select(label.label("name"), func.count().label("n"))
            .select_from(source).where(where).group_by(label)
            .order_by(func.count().desc(), label).limit(top))
    return [{"name": name, "count": int(n)} for name, n in session.execute(stmt) if name]


def _list_labels(session: Session, column, where):
    """SELECT of the lower-cased, trimmed non-empty items of a JSON list column, as `name`."""
    items = _needs_table(session, column)
    return (select(func.lower(func.trim(items.c.value)).label("name"))
            .select_from(ask_t.join(items, true()))
            .where(where, func.length(func.trim(items.c.value)) > 0))


def top_needs(session: Session, *, start: datetime, end: datetime, unmet_only: bool = False,
              top: int = TOP) -> list[dict]:
    period = _in(ask_t.c.created_at, start, end)
    if not unmet_only:
        needs = _needs_table(session)
        label = func.lower(func.trim(needs.c.value))
        return _ranked(session, label, and_(period, func.length(func.trim(needs.c.value)) > 0),
                       ask_t.join(needs, true()), top)
    # Unmet demand: the needs no shown partner covered, from fully and partly unmet asks alike.
    # Unmet asks recorded without `unmet_needs` (hand-built, bulk-loaded) count all their needs,
    # and, when the matcher read no needs in them, their text: they still say what was asked.
    unmet = and_(period, ask_t.c.unmet == true(), _list_empty(ask_t.c.unmet_needs))
    text_label = func.lower(func.trim(func.substr(ask_t.c.text, 1, 200)))
    labels = union_all(
        _list_labels(session, ask_t.c.unmet_needs, period),
        _list_labels(session, ask_t.c.needs, unmet),
        select(text_label.label("name")).where(unmet, _needs_empty()),
    ).subquery()
    return _ranked(session, labels.c.name, true(), labels, top)


def _needs_empty() -> ColumnElement[bool]:
    return _list_empty(ask_t.c.needs)


def _list_empty(column) -> ColumnElement[bool]:
    # json_array_length exists on both SQLite and PostgreSQL (json type).
    return func.coalesce(func.json_array_length(column), 0) == 0


def top_field(session: Session, *, column, start: datetime, end: datetime, top: int = TOP) -> list[dict]:
    label = func.lower(func.trim(column))
    where = and_(_in(ask_t.c.created_at, start, end), column.is_not(None), func.length(func.trim(column)) > 0)
    return _ranked(session, label, where, ask_t, top)


def top_connectors(session: Session, *, start: datetime, end: datetime, top: int = TOP) -> list[dict]:
    """The partners in the most introductions made in the period (either side)."""
    made = _in(intro_t.c.introduced_at, start, end)
    sides = union_all_sides(made).subquery()
    stmt = (select(company_t.c.id, company_t.c.name, func.count().label("n"))
            .select_from(sides.join(company_t, company_t.c.id == sides.c.cid))
            .where(company_t.c.deleted_at.is_(None))
            .group_by(company_t.c.id, company_t.c.name)
            .order_by(func.count().desc(), company_t.c.name).limit(top))
    return [{"company_id": cid, "company": name, "introductions": int(n)} for cid, name, n in session.execute(stmt)]


def union_all_sides(where):
    return union_all(
        select(intro_t.c.requester_company_id.label("cid")).where(where, intro_t.c.requester_company_id.is_not(None)),
        select(intro_t.c.target_company_id.label("cid")).where(where),
    )


# -- participation gaps ------------------------------------------------------------------
def _alive_now() -> ColumnElement[bool]:
    return company_t.c.deleted_at.is_(None)


def inactive_partner_ids_stmt(*, at: datetime):
    """Partners who neither asked nor were introduced in the 90 days before `at`."""
    since = at - QUARTER
    recent = union(
        select(ask_t.c.company_id.label("cid")).where(_in(ask_t.c.created_at, since, at),
                                                      ask_t.c.company_id.is_not(None)),
        select(intro_t.c.requester_company_id).where(_in(intro_t.c.introduced_at, since, at),
                                                     intro_t.c.requester_company_id.is_not(None)),
        select(intro_t.c.target_company_id).where(_in(intro_t.c.introduced_at, since, at)),
    ).subquery()
    # EXCEPT, not NOT IN: PostgreSQL runs NOT IN (subquery) as a nested loop when it is large.
    return select(company_t.c.id.label("cid")).where(
        _alive_now(), company_t.c.created_at < at - NEW_PROFILE_GRACE).except_(select(recent.c.cid))


def stale_profile_ids_stmt(*, at: datetime):
    return select(company_t.c.id).where(_alive_now(), company_t.c.updated_at < at - STALE_AFTER)


def unanswered_intro_filter(*, at: datetime) -> ColumnElement[bool]:
    answered = exists().where(outcome_t.c.introduction_id == intro_t.c.id)
    return and_(intro_t.c.state == IntroState.INTRODUCED.value,
                intro_t.c.followup_sent_at.is_not(None),
                intro_t.c.followup_sent_at < at - UNANSWERED_AFTER,
                not_(answered))


def unanswered_company_ids_stmt(*, at: datetime):
    """Partners on either side of an introduction whose follow-up nobody answered."""
    return union_all_sides(unanswered_intro_filter(at=at))


def participation_gaps(session: Session, *, at: datetime) -> dict[str, int]:
    def count(stmt) -> int:
        return int(_scalar(session, select(func.count()).select_from(stmt.subquery())))

    unanswered = _scalar(session, select(func.count()).select_from(intro_t).where(unanswered_intro_filter(at=at)))
    return {
        "inactive_partners": count(inactive_partner_ids_stmt(at=at)),
        "stale_profiles": count(stale_profile_ids_stmt(at=at)),
        "unanswered_introductions": int(unanswered),
    }


# -- everything ------------------------------------------------------------------------
def headline(session: Session, *, start: datetime, end: datetime) -> dict:
    start, end = _utc(start), _utc(end)
    figures: dict = {}
    figures.update(ask_counts(session, start=start, end=end))
    figures["partly_unmet_asks"] = partly_unmet_count(session, start=start, end=end)
    figures.update(intro_counts(session, start=start, end=end))
    median, p90 = approval_hours(session, start=start, end=end)
    figures["approval_hours_median"] = median
    figures["approval_hours_p90"] = p90
    figures.update(outcome_counts(session, start=start, end=end))
    figures.update(consent_counts(session, start=start, end=end))
    figures.update(participation(session, start=start, end=end))
    figures.update(profile_counts(session, start=start, end=end))
    return figures


def compute_figures(session: Session, *, start: datetime, end: datetime, top: int = TOP,
                    compare: bool = True) -> dict:
    """Every figure for [start, end), with the change against the previous equal period."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise ValueError("a period must end after it starts")
    figures: dict = {"period_start": start.isoformat(), "period_end": end.isoformat(),
                     "days": round((end - start).total_seconds() / 86400, 4)}
    figures.update(headline(session, start=start, end=end))
    figures["top_capabilities"] = top_needs(session, start=start, end=end, top=top)
    figures["top_industries"] = top_field(session, column=ask_t.c.industry, start=start, end=end, top=top)
    figures["top_regions"] = top_field(session, column=ask_t.c.region, start=start, end=end, top=top)
    unmet = top_needs(session, start=start, end=end, unmet_only=True, top=top)
    figures["top_unmet_needs"] = [r["name"] for r in unmet]
    figures["top_unmet_needs_counts"] = unmet
    figures["top_connectors"] = top_connectors(session, start=start, end=end, top=top)
    figures["gaps"] = participation_gaps(session, at=end)
    # Needs attention: requests still waiting for a manager 48 h after they were made.
    figures["approvals_waiting_48h"] = int(_scalar(session, select(func.count()).where(
        intro_t.c.state == IntroState.REQUESTED.value, intro_t.c.created_at < end - timedelta(hours=48))))
    if compare:
        previous = headline(session, start=start - (end - start), end=start)
        figures["previous"] = {k: previous[k] for k in HEADLINE}
        figures["change"] = {k: _delta(figures[k], previous[k]) for k in HEADLINE}
    return figures


def _delta(now, before):
    if now is None or before is None:
        return None
    value = now - before
    return round(value, 4) if isinstance(value, float) else value


# The trend's series: (name, the timestamp that places a row in a period, the row's key, filters).
def _trend_series() -> list[tuple[str, ColumnElement, ColumnElement, list]]:
    return [
        ("asks", ask_t.c.created_at, ask_t.c.id, []),
        ("unmet_asks", ask_t.c.created_at, ask_t.c.id, [ask_t.c.unmet == true()]),
        ("intro_requests", intro_t.c.created_at, intro_t.c.id, []),
        ("introduced", intro_t.c.introduced_at, intro_t.c.id, []),
        # a deal reported by both companies counts once
        ("deals_won", outcome_t.c.updated_at, outcome_t.c.introduction_id,
         [outcome_t.c.outcome == OutcomeKind.DEAL_WON.value]),
    ]


def _period_index(column, starts: list[datetime]) -> ColumnElement:
    """Which period a timestamp (already within the whole range) falls in: the latest start it has reached."""
    return case(*[(column >= start, i) for i, start in reversed(list(enumerate(starts)))], else_=-1)


def trend(session: Session, *, end: datetime, length: timedelta, periods: int = 8) -> dict[str, list]:
    """Counts for the `periods` consecutive periods of `length` ending at `end` (oldest first).

    One grouped query for every series and period (not a query per period): each row of the
    whole range is given its period's index and the counts are grouped by (series, period)."""
    end = _utc(end)
    starts = [end - length * (periods - i) for i in range(periods)]
    series_defs = _trend_series()
    parts = []
    for n, (name, when, counted, filters) in enumerate(series_defs):
        part = (select(literal_column(str(n)).label("series"), _period_index(when, starts).label("period"))
                .where(_in(when, starts[0], end), *filters))
        if name == "deals_won":  # an introduction counts once per period, whoever reported the deal
            once = part.add_columns(counted.label("counted")).distinct().subquery()
            part = select(once.c.series, once.c.period)
        parts.append(part)
    rows = union_all(*parts).subquery()
    counts = session.execute(select(rows.c.series, rows.c.period, func.count())
                             .group_by(rows.c.series, rows.c.period)).all()
    series: dict[str, list] = {"period_start": [s.isoformat() for s in starts]}
    series.update({name: [0] * periods for name, *_ in series_defs})
    for n, period, count in counts:
        if 0 <= int(period) < periods:
            series[series_defs[int(n)][0]][int(period)] = int(count)
    return series


# -- one partner's own figures ---------------------------------------------------------
def company_figures(session: Session, *, company_id: int, start: datetime, end: datetime) -> dict:
    """What one partner may see about itself: its asks, introductions and reported outcomes."""
    start, end = _utc(start), _utc(end)
    mine = ask_t.c.company_id == company_id
    asks = session.execute(select(func.count(), func.coalesce(func.sum(case((ask_t.c.unmet == true(), 1), else_=0)), 0))
                           .where(mine, _in(ask_t.c.created_at, start, end))).one()
    either = or_(intro_t.c.requester_company_id == company_id, intro_t.c.target_company_id == company_id)
    requested = _scalar(session, select(func.count()).where(intro_t.c.requester_company_id == company_id,
                                                            _in(intro_t.c.created_at, start, end)))
    received = _scalar(session, select(func.count()).where(intro_t.c.target_company_id == company_id,
                                                           _in(intro_t.c.created_at, start, end)))
    introduced = _scalar(session, select(func.count()).where(either, _in(intro_t.c.introduced_at, start, end)))
    open_now = _scalar(session, select(func.count()).where(
        either, intro_t.c.state.in_([IntroState.REQUESTED.value, IntroState.AWAITING_CONSENT.value,
                                     IntroState.APPROVED.value, IntroState.INTRODUCED.value])))
    outcomes = dict(session.execute(
        select(outcome_t.c.outcome, func.count()).where(outcome_t.c.company_id == company_id,
                                                        _in(outcome_t.c.updated_at, start, end))
        .group_by(outcome_t.c.outcome)).all())
    value = _scalar(session, select(func.coalesce(func.sum(outcome_t.c.deal_value), 0)).where(
        outcome_t.c.company_id == company_id, _plausible_deal, outcome_t.c.outcome == OutcomeKind.DEAL_WON.value,
        _in(outcome_t.c.updated_at, start, end)))
    return {
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "asks": int(asks[0]), "unmet_asks": int(asks[1]),
        "intro_requests_made": int(requested), "intro_requests_received": int(received),
        "introduced": int(introduced), "open_introductions": int(open_now),
        "working_together": int(outcomes.get(OutcomeKind.WORKING_TOGETHER.value, 0)),
        "deals_won": int(outcomes.get(OutcomeKind.DEAL_WON.value, 0)),
        "no_fit": int(outcomes.get(OutcomeKind.NO_FIT.value, 0)),
        "deal_value": round(float(value), 2),
    }
