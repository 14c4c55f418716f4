"""Full garbage collections between answers, not during them (bot/gcwatch.py, docs/performance.md)."""

from __future__ import annotations

import gc
import threading

from bot import gcwatch
from bot.gcwatch import Activity, IdleCollector


def test_a_full_collection_is_due_only_when_idle_long_enough_or_at_the_latest():
    activity = Activity()
    collector = IdleCollector(activity, idle_s=0.5, every_s=30, at_latest_s=300)
    start = collector.last_full
    activity.last_end = start
    assert not collector.due(start + 10)  # too soon after the last one
    assert collector.due(start + 31)  # idle since start
    with activity.busy():
        assert activity.in_flight == 1
        assert not collector.due(start + 31)  # a request in flight: never mid-answer
        assert collector.due(start + 301)  # load that never lets up: at the latest
    activity.last_end = start + 31
    assert not collector.due(start + 31.2)  # the last request ended 0.2 s ago
    assert collector.due(start + 31.6)


def test_the_collector_turns_automatic_full_collections_off_and_collects_cycles_when_idle():
    before = gc.get_threshold()
    collector = IdleCollector(Activity(), idle_s=0, every_s=0.05, at_latest_s=60, tick_s=0.01).start()
    try:
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] == gcwatch.NO_AUTOMATIC_FULL
        done = threading.Event()
        collected_before = collector.full_collections

        class Cycle:
            def __del__(self):
                done.set()

        a = Cycle()
        a.me = a
        del a
        assert done.wait(5), "the idle collector did not collect a reference cycle"
        assert collector.full_collections > collected_before
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_slow_work_after_the_acknowledgement_counts_as_busy():
    from handlers.middleware.guards import after_ack

    seen = []

    class Ctx:
        class executor:  # noqa: N801 - runs the work inline
            @staticmethod
            def submit(fn):
                fn()

    base = gcwatch.activity.in_flight
    after_ack(Ctx, respond=None, work=lambda: seen.append(gcwatch.activity.in_flight))
    assert seen == [base + 1] and gcwatch.activity.in_flight == base


def test_the_idle_collectors_own_collections_are_not_counted_as_pauses_of_answers():
    watch = gcwatch.GcWatch()
    collector = IdleCollector(Activity())
    gc.callbacks.append(watch)
    try:
        collector.collect()
        assert watch.collections >= 1 and watch.longest_ms == 0.0
        gc.collect()  # any other collection is
        assert watch.longest_ms > 0.0
    finally:
        gc.callbacks.remove(watch)
