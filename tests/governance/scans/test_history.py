"""Optimisation from history: scan frequency advice, durations and their trends, failing
steps; each with its evidence, in a constant number of queries."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from governance.scans import history as insights
from governance.scans.models import ScanRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def source(make_source, shop_db) -> Any:
    return make_source(shop_db, name="shop")


def history(
    source: Any,
    *,
    runs: int,
    every_hours: float,
    changes: Any = lambda i: False,
    seconds: Any = lambda i: 30.0,
    tables: int = 20,
    columns: int = 200,
) -> list[ScanRun]:
    from governance.scans import services as scans

    scan = scans.default_scan(actor=None, source=source)
    start = timezone.now() - timedelta(hours=every_hours * runs)
    made = []
    for i in range(runs):
        began = start + timedelta(hours=every_hours * i)
        changed = i == 0 or changes(i)
        made.append(
            ScanRun(
                scan=scan,
                datasource=source,
                state="succeeded",
                started_at=began,
                finished_at=began + timedelta(seconds=seconds(i)),
                tables_seen=tables,
                columns_seen=columns,
                tables_sampled=tables if i == 0 else (3 if changed else 0),
            )
        )
    return ScanRun.objects.bulk_create(made)


def test_a_source_that_changes_at_every_scan_is_advised_more_often(source) -> None:
    history(source, runs=12, every_hours=24, changes=lambda i: True)
    advice = insights.frequency_advice()[source.pk]
    assert advice.current_hours == 24
    assert advice.recommended_hours is not None and advice.recommended_hours <= 8
    assert advice.reason.startswith("Scan more often: 11 of the last 11 runs found changes")
    assert advice.evidence["runs"] == 12 and advice.evidence["runs_with_changes"] == 11


def test_a_source_that_never_changes_is_advised_less_often(source) -> None:
    history(source, runs=12, every_hours=6)
    advice = insights.frequency_advice([source.pk])[source.pk]
    assert advice.recommended_hours is not None and advice.recommended_hours >= 48
    assert advice.reason.startswith("Scan less often: only 0 of the last 11 runs")


def test_a_source_that_changes_at_half_its_scans_keeps_its_rhythm(source) -> None:
    history(source, runs=21, every_hours=12, changes=lambda i: i % 2 == 0)
    advice = insights.frequency_advice()[source.pk]
    assert advice.recommended_hours is None and not advice.changes_interval
    assert advice.reason.startswith("Keep the current rhythm")


def test_too_little_history_gives_no_advice(source) -> None:
    history(source, runs=3, every_hours=24, changes=lambda i: True)
    advice = insights.frequency_advice()[source.pk]
    assert advice.recommended_hours is None
    assert "Not enough history yet (3 runs" in advice.reason


def test_only_the_newest_runs_of_each_source_are_read(source, make_source, shop_db) -> None:
    # A long history: the older runs said "changes every time", the newest 60 "never".
    old = history(source, runs=40, every_hours=24, changes=lambda i: True)
    ScanRun.objects.filter(pk__in=[r.pk for r in old]).update(
        started_at=F("started_at") - timedelta(days=400),
        finished_at=F("finished_at") - timedelta(days=400),
    )
    history(source, runs=insights.HISTORY_RUNS, every_hours=24)
    other = make_source(shop_db, name="other")
    history(other, runs=7, every_hours=24)
    read = insights._history(None)
    assert {pk: len(runs) for pk, runs in read.items()} == {
        source.pk: insights.HISTORY_RUNS,
        other.pk: 7,
    }
    kept = read[source.pk]
    assert kept == sorted(kept, key=lambda r: r.started_at, reverse=True)
    assert min(r.started_at for r in kept) > timezone.now() - timedelta(days=100)
    advice = insights.frequency_advice([source.pk])[source.pk]
    assert advice.evidence["runs"] == insights.HISTORY_RUNS
    assert advice.evidence["runs_with_changes"] == 0


def test_kept_readings_are_read_again_after_the_next_scan_only(
    source, make_source, shop_db, django_assert_num_queries
) -> None:
    history(source, runs=15, every_hours=24, seconds=lambda i: 30 + 6 * i, changes=lambda i: True)
    quiet = make_source(shop_db, name="quiet")
    history(quiet, runs=2, every_hours=24)
    sources = [source, quiet]
    with django_assert_num_queries(1):
        first = insights.insights(sources)
    assert set(first.advice) == {source.pk, quiet.pk}
    assert [t.datasource_id for t in first.trends] == [source.pk]
    assert first.advice[source.pk].recommended_hours is not None
    with django_assert_num_queries(0):  # kept: nothing read
        assert insights.insights(sources) == first
    # A new successful scan of one source: only that one is read again.
    history(source, runs=1, every_hours=1)
    source.last_scan_at = timezone.now()
    with django_assert_num_queries(1):
        again = insights.insights(sources)
    assert again.advice[quiet.pk] == first.advice[quiet.pk]
    assert again.advice[source.pk].evidence["runs"] == 16
    assert insights.insights([]) == insights.Insights(advice={}, trends=[])


def test_advice_costs_one_query_whatever_the_number_of_sources(
    make_source, shop_db, django_assert_num_queries
) -> None:
    for n in range(4):
        history(make_source(shop_db, name=f"s{n}"), runs=8, every_hours=24)
    with django_assert_num_queries(1):
        advice = insights.frequency_advice()
    assert len(advice) == 4


def test_durations_are_predicted_from_size_and_the_source_own_history(make_source, shop_db) -> None:
    rng = random.Random(3)
    sizes = {"small": 10, "medium": 100, "large": 1000}
    runs = []
    for name, tables in sizes.items():
        src = make_source(shop_db, name=name)
        runs += history(
            src,
            runs=10,
            every_hours=24,
            tables=tables,
            columns=tables * 8,
            seconds=lambda i, t=tables: 2 + t * 0.3 * rng.uniform(0.9, 1.1),
        )
    model = insights.DurationModel.fit(runs)
    assert model.trained_on == 30
    for run in runs[::7]:
        predicted = model.predict(run)
        assert predicted == pytest.approx(run.duration_seconds, rel=0.3)


def test_a_queued_run_gets_an_eta_from_its_source_last_size(source) -> None:
    from governance.scans.models import ScanRun as Run

    done = history(source, runs=8, every_hours=24, seconds=lambda i: 60.0)
    queued = Run.objects.create(scan=done[0].scan, datasource=source, state="queued")
    eta = insights.eta_for_runs([queued])[queued.pk]
    assert eta["seconds"] == pytest.approx(60, rel=0.1)
    assert eta["ends_at"] >= timezone.now() and eta["basis"] == "8 past runs of this source"
    assert insights.eta_for_runs([]) == {}


def test_a_scan_whose_duration_grows_is_flagged_with_its_evidence(source, make_source, shop_db):
    history(source, runs=15, every_hours=24, seconds=lambda i: 30 + 6 * i)
    steady = make_source(shop_db, name="steady")
    rng = random.Random(5)
    history(steady, runs=15, every_hours=24, seconds=lambda i: 30 + rng.uniform(-3, 3))
    (trend,) = insights.growing_scans()
    assert trend.datasource_id == source.pk and trend.runs == 15
    assert trend.slope_seconds_per_run == pytest.approx(6, rel=0.05)
    assert trend.p_value < 0.05 and "Duration grew from about 30 s" in trend.reason


def test_too_few_runs_make_no_trend(source) -> None:
    history(source, runs=5, every_hours=24, seconds=lambda i: 30 + 60 * i)
    assert insights.growing_scans() == []


def test_a_running_run_past_a_tenth_is_timed_by_its_own_pace(source) -> None:
    done = history(source, runs=6, every_hours=24, seconds=lambda i: 600.0)
    running = ScanRun.objects.create(
        scan=done[0].scan,
        datasource=source,
        state="running",
        started_at=timezone.now() - timedelta(seconds=60),
        tables_total=100,
        tables_done=50,
    )
    eta = insights.eta_for_runs([running])[running.pk]
    assert eta["seconds"] == pytest.approx(120, abs=5)  # not the 600 s of its history
    assert eta["basis"] == "its pace so far (50 of 100 tables)"
