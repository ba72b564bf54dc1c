"""What the scan history says about the scans to come (Racine's optimisation from history).

Three readings of the runs, each with the evidence it rests on, read in a constant number of
queries whatever the number of sources:

- **Scan frequency** per data source (:func:`frequency_advice`). A run that sampled tables (their
  scan tokens changed) or saw schema changes observed a change; the changes are taken as a
  Poisson process: a gap of g hours shows a change with probability 1 - exp(-rate g), so the
  share of gaps that showed one gives the rate. The advice is the interval within which a
  change is as likely as not (ln 2 / rate: today's interval when half the runs find changes),
  bounded to
  [1 hour, 30 days]: a source that changes every few hours is scanned more often, one that never
  changed in weeks less often. Advice is given only from enough history (``MIN_RUNS``) and only
  when it differs from today's interval by a factor of two or more.
- **Duration** of a queued or running scan (:func:`eta_for_runs`): a running scan past a tenth
  of its tables by its own pace; a queued one by the median of its source's incremental runs,
  or, for a source without that history, by a regression of the log of the duration on the
  log of the tables and columns it reads and samples, fitted on all succeeded runs
  (:class:`DurationModel`, scikit-learn). The error on held-out history is measured by
  ``bench/eta.py``.
- **Trends** (:func:`growing_scans`): scans whose duration grows (Theil-Sen slope over the last
  runs, Kendall's tau significant at 5 %, growth of at least half the median over the window).

Pages read often take advice and trends from :func:`insights`, which keeps each source's
readings in the cache until its next successful scan.

Workflow steps that fail again and again are read by ``racine.orchestration.insights``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from django.core.cache import cache
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .choices import RunState
from .models import ScanRun

#: Runs of a source read for advice (the newest), and the fewest that support one.
HISTORY_RUNS = 60
MIN_RUNS = 5
MIN_HOURS, MAX_HOURS = 1.0, 30 * 24.0
#: Advice differs from today's interval by at least this factor (else: keep it).
FACTOR = 2.0
#: Runs read for a duration trend, and the fewest that make one.
TREND_RUNS, MIN_TREND_RUNS = 20, 8


@dataclass
class FrequencyAdvice:
    datasource_id: int
    current_hours: float | None
    recommended_hours: float | None
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def changes_interval(self) -> bool:
        return self.recommended_hours is not None


def _history(datasource_ids: list[int] | None) -> dict[int, list[ScanRun]]:
    """Finished runs, newest first, at most ``HISTORY_RUNS`` per source (one query; the
    database ranks the runs, so a source scanned hourly for years reads no more rows)."""
    runs = ScanRun.objects.filter(state=RunState.SUCCEEDED, started_at__isnull=False)
    if datasource_ids is not None:
        runs = runs.filter(datasource_id__in=datasource_ids)
    runs = runs.annotate(
        newest=Window(
            RowNumber(), partition_by=[F("datasource_id")], order_by=F("started_at").desc()
        )
    ).filter(newest__lte=HISTORY_RUNS)
    by_source: dict[int, list[ScanRun]] = defaultdict(list)
    fields = ["id", "datasource_id", "scan_id", "started_at", "finished_at", "tables_seen"]
    fields += ["columns_seen", "tables_sampled", "tables_added", "tables_changed"]
    fields += ["tables_removed", "columns_added", "columns_changed", "columns_removed"]
    for run in runs.order_by("datasource_id", F("started_at").desc()).only(*fields):
        by_source[run.datasource_id].append(run)
    return by_source


def observed_change(run: ScanRun) -> bool:
    """Whether the run saw the source change: tables re-sampled (their scan tokens moved) or
    schema changes."""
    drift = (
        run.tables_added + run.tables_changed + run.tables_removed
        + run.columns_added + run.columns_changed + run.columns_removed
    )  # fmt: skip
    return bool(run.tables_sampled or drift)


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _round_hours(hours: float) -> float:
    """A schedule people read: whole hours below two days, whole days above."""
    if hours < 48:
        return float(max(1, round(hours)))
    return float(round(hours / 24) * 24)


def advise(runs: list[ScanRun], datasource_id: int) -> FrequencyAdvice:
    """The advice for one source from its runs (newest first). The first run of the history
    sampled everything (nothing was known before it) and says nothing about change."""
    runs = sorted(runs, key=lambda r: r.started_at)
    if len(runs) < MIN_RUNS:
        return FrequencyAdvice(
            datasource_id,
            None,
            None,
            {"runs": len(runs)},
            f"Not enough history yet ({len(runs)} runs; advice needs {MIN_RUNS}).",
        )
    gaps = [_hours(b.started_at - a.started_at) for a, b in pairwise(runs)]
    span = max(_hours(runs[-1].started_at - runs[0].started_at), 1e-6)
    current = median(gaps)
    changed = [r for r in runs[1:] if observed_change(r)]
    evidence = {
        "runs": len(runs),
        "days": round(span / 24, 1),
        "median_interval_hours": round(current, 1),
        "runs_with_changes": len(changed),
        "runs_with_schema_changes": sum(
            1 for r in runs[1:] if r.tables_added + r.tables_removed + r.columns_added > 0
        ),
        "share_of_runs_with_changes": round(len(changed) / (len(runs) - 1), 2),
    }
    # A gap of g hours shows a change with probability 1 - exp(-rate * g): the share of gaps
    # that showed one (smoothed, so that "always" and "never" stay finite) gives the rate.
    observed = (len(changed) + 0.5) / len(gaps) if len(gaps) else 0.5
    observed = min(observed, (len(gaps) + 0.5) / (len(gaps) + 1))
    rate = -math.log(1 - observed) / max(current, 1e-6)  # changes per hour
    evidence["changes_per_day"] = round(rate * 24, 2)
    ideal = math.log(2) / rate
    ideal = _round_hours(min(MAX_HOURS, max(MIN_HOURS, ideal)))
    if current > 0 and 1 / FACTOR < ideal / current < FACTOR:
        reason = (
            f"Keep the current rhythm: {len(changed)} of {len(runs) - 1} runs found changes, "
            f"about what a scan every {human_interval(current)} catches."
        )
        return FrequencyAdvice(datasource_id, current, None, evidence, reason)
    if ideal < current:
        reason = (
            f"Scan more often: {len(changed)} of the last {len(runs) - 1} runs found changes "
            f"(about {evidence['changes_per_day']} a day), so a scan every "
            f"{human_interval(current)} lets changes wait; every {human_interval(ideal)} "
            "catches them half as late."
        )
    else:
        reason = (
            f"Scan less often: only {len(changed)} of the last {len(runs) - 1} runs found "
            f"changes in {evidence['days']} days; a scan every {human_interval(ideal)} instead of "
            f"every {human_interval(current)} would have missed nothing for long."
        )
    return FrequencyAdvice(datasource_id, current, ideal, evidence, reason)


def human_interval(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} minutes"
    if hours < 48:
        n = round(hours)
        return "hour" if n == 1 else f"{n} hours"
    n = round(hours / 24)
    return "day" if n == 1 else f"{n} days"


def frequency_advice(datasource_ids: list[int] | None = None) -> dict[int, FrequencyAdvice]:
    """Advice for each source with history (all sources, or ``datasource_ids``): one query."""
    return {pk: advise(runs, pk) for pk, runs in _history(datasource_ids).items()}


# --- Durations -----------------------------------------------------------------------------


@dataclass
class _Size:
    datasource_id: int
    tables_seen: int
    columns_seen: int
    tables_sampled: int


def _features(tables: float, columns: float, sampled: float) -> list[float]:
    return [math.log1p(tables), math.log1p(columns), math.log1p(sampled)]


@dataclass
class DurationModel:
    """log(duration) ~ log(tables) + log(columns) + log(sampled tables), plus each source's
    own correction (the median ratio of its actual to predicted durations)."""

    coefficients: list[float] = field(default_factory=list)
    intercept: float = 0.0
    corrections: dict[int, float] = field(default_factory=dict)
    trained_on: int = 0

    @classmethod
    def fit(cls, runs: list[ScanRun]) -> DurationModel:
        from sklearn.linear_model import HuberRegressor

        rows = [r for r in runs if r.duration_seconds and r.duration_seconds > 0]
        model = cls(trained_on=len(rows))
        if len(rows) < MIN_RUNS:
            if rows:
                model.intercept = math.log(median(r.duration_seconds for r in rows))
                model.coefficients = [0.0, 0.0, 0.0]
            return model
        x = [_features(r.tables_seen, r.columns_seen, r.tables_sampled) for r in rows]
        y = [math.log(r.duration_seconds) for r in rows]
        regression = HuberRegressor(max_iter=500).fit(x, y)
        model.coefficients = [float(c) for c in regression.coef_]
        model.intercept = float(regression.intercept_)
        ratios: dict[int, list[float]] = defaultdict(list)
        for run, target in zip(rows, y, strict=True):
            ratios[run.datasource_id].append(target - model._raw(run))
        model.corrections = {
            pk: float(median(values)) for pk, values in ratios.items() if len(values) >= 2
        }
        return model

    def _raw(self, run: Any) -> float:
        feats = _features(run.tables_seen, run.columns_seen, run.tables_sampled)
        return self.intercept + sum(c * f for c, f in zip(self.coefficients, feats, strict=True))

    def predict(self, run: Any) -> float | None:
        """Seconds ``run`` should take (its size: what it saw, or will see, as the last run of
        its source did), or None without a model."""
        if not self.coefficients:
            return None
        log_seconds = self._raw(run) + self.corrections.get(run.datasource_id, 0.0)
        return float(math.exp(log_seconds))


def train_duration_model(datasource_ids: list[int] | None = None) -> DurationModel:
    runs = [run for runs in _history(datasource_ids).values() for run in runs]
    return DurationModel.fit(runs)


def queued_seconds(
    history: list[ScanRun], datasource_id: int, model: DurationModel
) -> float | None:
    """What a run of the source should take, as known before it starts (``history``: its
    finished runs, newest first). Which tables changed is learnt only once it runs, so a source
    with a history of incremental runs takes their median (the first run of a history samples
    everything and is left out); a new one is sized by the model from its last run (every table
    sampled)."""
    if not history:
        return None
    later = [r.duration_seconds for r in history[:-1] if r.duration_seconds is not None]
    if len(later) >= 2:
        return float(median(later))
    newest = history[0]
    sampled = newest.tables_sampled if len(history) == 1 else newest.tables_seen
    return model.predict(_Size(datasource_id, newest.tables_seen, newest.columns_seen, sampled))


def eta_for_runs(runs: QuerySet | list[ScanRun]) -> dict[int, dict[str, Any]]:
    """For queued and running scans: expected seconds in all and the time they should end
    (``{"seconds", "ends_at", "basis"}``). A queued run is timed from its source's history
    (:func:`queued_seconds`); a running run past a tenth of its tables is extrapolated from its
    own pace. A constant number of queries."""
    runs = list(runs)
    if not runs:
        return {}
    # Only these sources' history: the panel asks every few seconds.
    history = _history(sorted({r.datasource_id for r in runs}))
    model = DurationModel.fit([run for rows in history.values() for run in rows])
    now = timezone.now()
    found: dict[int, dict[str, Any]] = {}
    for run in runs:
        if run.started_at and run.tables_total and run.tables_done >= run.tables_total / 10:
            elapsed = (now - run.started_at).total_seconds()
            seconds = elapsed * run.tables_total / max(run.tables_done, 1)
            basis = f"its pace so far ({run.tables_done} of {run.tables_total} tables)"
        else:
            past = history.get(run.datasource_id, [])
            seconds = queued_seconds(past, run.datasource_id, model)
            basis = f"{len(past)} past runs of this source" if past else ""
        if seconds is None:
            continue
        start = run.started_at or now
        found[run.pk] = {
            "seconds": round(seconds, 1),
            "ends_at": max(now, start + timedelta(seconds=seconds)),
            "basis": basis,
        }
    return found


# --- Trends --------------------------------------------------------------------------------


@dataclass
class Trend:
    scan_id: int
    datasource_id: int
    runs: int
    first_seconds: float
    last_seconds: float
    slope_seconds_per_run: float
    p_value: float
    reason: str


def duration_trend(runs: list[ScanRun]) -> Trend | None:
    """A growing duration in ``runs`` (any order), or None."""
    from scipy.stats import kendalltau, theilslopes

    runs = sorted((r for r in runs if r.duration_seconds is not None), key=lambda r: r.started_at)[
        -TREND_RUNS:
    ]
    if len(runs) < MIN_TREND_RUNS:
        return None
    durations = [r.duration_seconds for r in runs]
    index = list(range(len(runs)))
    slope, intercept, _, _ = theilslopes(durations, index)
    tau, p_value = kendalltau(index, durations)
    typical = median(durations)
    growth = slope * (len(runs) - 1)
    if slope <= 0 or p_value >= 0.05 or tau <= 0 or typical <= 0 or growth < typical / 2:
        return None
    first, last = intercept, intercept + growth
    return Trend(
        runs[0].scan_id,
        runs[0].datasource_id,
        len(runs),
        round(first, 1),
        round(last, 1),
        round(slope, 2),
        round(float(p_value), 4),
        f"Duration grew from about {first:.0f} s to {last:.0f} s over the last {len(runs)} runs "
        f"(+{slope:.1f} s a run; Kendall's tau {tau:.2f}, p = {p_value:.3f}).",
    )


def _trends(runs: list[ScanRun]) -> list[Trend]:
    by_scan: dict[int, list[ScanRun]] = defaultdict(list)
    for run in runs:
        by_scan[run.scan_id].append(run)
    return [t for scan_runs in by_scan.values() if (t := duration_trend(scan_runs)) is not None]


def _steepest(trends: list[Trend]) -> list[Trend]:
    return sorted(trends, key=lambda t: -t.slope_seconds_per_run)


def growing_scans(datasource_ids: list[int] | None = None) -> list[Trend]:
    """Scans whose duration grows, steepest first (one query)."""
    return _steepest([t for runs in _history(datasource_ids).values() for t in _trends(runs)])


# --- Kept readings -------------------------------------------------------------------------

#: A source's readings are kept until its next successful scan, at most this long (seconds).
INSIGHT_SECONDS = 15 * 60


@dataclass(frozen=True)
class Insights:
    """The readings of a set of sources: frequency advice by source, growing scans."""

    advice: dict[int, FrequencyAdvice]
    trends: list[Trend]


def _insight_key(source: Any) -> str:
    """The source (its id and creation: an id may come back after a deletion) at its last
    successful scan."""
    stamps = [t.timestamp() if t else 0 for t in (source.created_at, source.last_scan_at)]
    return f"pursight:scan-insights:{source.pk}:{stamps[0]}:{stamps[1]}"


def insights(sources: list[Any]) -> Insights:
    """Frequency advice and growing scans of ``sources`` (data sources) for pages read often
    (the Main Manager): each source's readings are kept in the cache under its last successful
    scan's time (a new run makes new ones) for at most ``INSIGHT_SECONDS``; only the sources
    missing from it are read (one query, at most ``HISTORY_RUNS`` runs each)."""
    keys = {s.pk: _insight_key(s) for s in sources}
    kept = cache.get_many(list(keys.values()))
    missing = [pk for pk, key in keys.items() if key not in kept]
    if missing:
        history = _history(missing)
        fresh = {
            keys[pk]: (advise(history[pk], pk) if pk in history else None, _trends(history[pk]))
            for pk in missing
        }
        cache.set_many(fresh, timeout=INSIGHT_SECONDS)
        kept.update(fresh)
    readings = [kept[key] for key in keys.values() if key in kept]
    return Insights(
        advice={a.datasource_id: a for a, _ in readings if a is not None},
        trends=_steepest([t for _, trends in readings for t in trends]),
    )
