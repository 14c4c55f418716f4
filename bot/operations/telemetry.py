"""`GET /metrics` in Prometheus' text format (prometheus_client), one registry per process.

Counted in the process: Slack requests by kind and outcome, the acknowledgement latency,
Web API attempts by method and outcome (429s and errors apart), job runs and failures.
Read from the database at each scrape (so every replica reports the same figures): the
introduction funnel and outcomes since launch, the directory size, and how far the matching
index of this process is behind the directory.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlparse

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from slack_sdk.http_retry.handler import RetryHandler

log = logging.getLogger(__name__)

SERVICE_KEY = "telemetry"
CONTENT_TYPE = CONTENT_TYPE_LATEST
# Slack shows an error to the user after 3 seconds without an acknowledgement.
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAR = datetime(9999, 1, 1, tzinfo=UTC)


class Telemetry:
    def __init__(self, ctx) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("partnerbot_requests", "Slack requests received, by kind and outcome",
                                ["kind", "outcome"], registry=r)
        self.ack_seconds = Histogram("partnerbot_ack_seconds", "Time to acknowledge a Slack request",
                                     ["kind"], buckets=ACK_BUCKETS, registry=r)
        self.web_api = Counter("partnerbot_web_api_calls",
                               "Slack Web API attempts by method and outcome (ok, error, ratelimited, "
                               "server_error, connection_error); a retried call counts each attempt",
                               ["method", "outcome"], registry=r)
        self.job_runs = Counter("partnerbot_job_runs", "Scheduled job runs", ["job"], registry=r)
        self.job_failures = Counter("partnerbot_job_failures", "Scheduled job runs that raised", ["job"], registry=r)
        r.register(_DatabaseFigures(ctx))

    def observe_request(self, kind: str, status: int, seconds: float) -> None:
        outcome = "ok" if status < 400 else ("refused" if status < 500 else "error")
        self.requests.labels(kind, outcome).inc()
        self.ack_seconds.labels(kind).observe(seconds)

    def observe_job(self, name: str, ok: bool) -> None:
        self.job_runs.labels(name).inc()
        if not ok:
            self.job_failures.labels(name).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def web_api_observer(self) -> RetryHandler:
        return _WebApiObserver(self)


def telemetry_of(ctx) -> Telemetry | None:
    return ctx.services.get(SERVICE_KEY)


def install(ctx) -> Telemetry | None:
    """Make the process's telemetry (none when METRICS=off) and count the Web API client's calls."""
    if not ctx.settings.metrics_enabled:
        return None
    telemetry = ctx.services[SERVICE_KEY] = Telemetry(ctx)
    # First in the list: slack_sdk asks each retry handler about every answer (200s too) and
    # every connection error; this one only looks. Bolt copies the list into each request's client.
    ctx.client.retry_handlers.insert(0, telemetry.web_api_observer())
    return telemetry


class _WebApiObserver(RetryHandler):
    def __init__(self, telemetry: Telemetry) -> None:
        super().__init__(max_retry_count=1_000_000)
        self.telemetry = telemetry

    def __deepcopy__(self, memo):  # Bolt deep-copies a request (its client too) for lazy listeners
        return self

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        method = urlparse(request.url).path.rsplit("/", 1)[-1] or "unknown"
        if response is None:
            outcome = "connection_error"
        elif response.status_code == 429:
            outcome = "ratelimited"
        elif response.status_code >= 500:
            outcome = "server_error"
        elif isinstance(response.body, dict) and response.body.get("ok") is False:
            outcome = "error"
        else:
            outcome = "ok"
        self.telemetry.web_api.labels(method, outcome).inc()
        return False


class _DatabaseFigures:
    """Figures read from the database at scrape time (a failed read leaves them out)."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx

    def collect(self):
        from sqlalchemy import func, select

        from bot.metrics.figures import intro_counts, outcome_counts
        from models.company import Company
        from models.db import session_scope

        try:
            with session_scope(self.ctx.engine) as session:
                intros = intro_counts(session, start=_EPOCH, end=_FAR)
                outcomes = outcome_counts(session, start=_EPOCH, end=_FAR)
                profiles = session.execute(select(func.count()).select_from(Company)
                                           .where(Company.deleted_at.is_(None))).scalar_one()
        except Exception:  # the database is down: /readyz says so; the counters still answer
            log.warning("metrics: database figures unavailable", exc_info=True)
            return
        funnel = GaugeMetricFamily("partnerbot_intro_funnel", "Introductions since launch by stage",
                                   labels=["stage"])
        for stage, key in (("requested", "intro_requests"), ("approved", "approved"), ("declined", "declined"),
                           ("introduced", "introduced")):
            funnel.add_metric([stage], intros[key])
        yield funnel
        outcome = GaugeMetricFamily("partnerbot_intro_outcomes", "Introductions by reported outcome",
                                    labels=["outcome"])
        for key in ("working_together", "deals_won", "no_fit"):
            outcome.add_metric([key], outcomes[key])
        yield outcome
        yield GaugeMetricFamily("partnerbot_directory_profiles", "Partner profiles in the directory", value=profiles)
        behind = index_changes_behind(self.ctx)
        if behind is not None:
            yield GaugeMetricFamily("partnerbot_index_changes_behind",
                                    "Profile changes this process's matching index has not applied yet",
                                    value=behind)
        loaded_at = self.ctx.services.get("index_checked_at")
        if loaded_at is not None:
            yield GaugeMetricFamily("partnerbot_index_age_seconds",
                                    "Seconds since this process last found its matching index current",
                                    value=time.monotonic() - loaded_at)


def index_changes_behind(ctx) -> int | None:
    """Changes of the company table the loaded index has not applied (None: no index loaded)."""
    from bot.matching.rankers import SERVICE_KEY as RANKER
    from models import changes

    ranker = ctx.services.get(RANKER)
    loaded_seq = ranker.loaded_seq if ranker is not None else None
    if loaded_seq is None:
        return None
    with ctx.engine.connect() as conn:
        return max(0, changes.current(conn).get(changes.COMPANY, 0) - loaded_seq)
