"""The dashboard's trend chart: readable with one day of data, days without data left out."""

from __future__ import annotations

import itertools
import re

from governance.compliance.admin import trend_svg


def test_one_day_is_a_labelled_marker_with_a_note():
    svg = trend_svg({"gdpr": [("2026-11-29", 62.5)], "sox": [("2026-11-29", 100.0)]})
    # One date label (not the same day at both ends), centred markers with their values.
    assert len(re.findall(r"<text[^>]*>2026-11-29</text>", svg)) == 1
    circles = re.findall(r'<circle cx="([\d.]+)"', svg)
    assert len(circles) == 2 and all(abs(float(x) - 360) < 1 for x in circles)
    assert "62.5%" in svg and "100.0%" in svg
    assert "trend line appears" in svg
    assert "<polyline" not in svg


def test_several_days_draw_lines_and_label_the_latest_value():
    points = [
        ("2026-11-26", 40.0),
        ("2026-11-27", None),
        ("2026-11-28", 45.0),
        ("2026-11-29", 50.0),
    ]
    svg = trend_svg({"gdpr": points})
    # The day without data breaks the line: one segment, from the 28th to the 29th.
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
    assert "gdpr 50.0%" in svg
    assert "2026-11-26</text>" in svg and "2026-11-29</text>" in svg
    assert "trend line appears" not in svg


def test_framework_codes_are_escaped():
    assert "<b>" not in trend_svg({"<b>x": [("2026-11-29", 10.0)]})


def test_no_score_at_all_says_no_data():
    assert trend_svg({}) == ""
    svg = trend_svg({"gdpr": [("2026-11-29", None)]})
    assert "<circle" not in svg and "No data" in svg and "gdpr (no data)" in svg


def test_labels_of_close_scores_do_not_overlap():
    """Five frameworks on a first day, two at 0 % and two within 7 points: every label keeps a
    line of its own, in the order of the scores."""
    scores = {"ccpa": 0.0, "gdpr": 39.1, "hipaa": 0.0, "pci-dss": 73.3, "sox": 45.5}
    svg = trend_svg({code: [("2026-11-29", v)] for code, v in scores.items()})
    ys = {
        text: float(y)
        for y, text in re.findall(
            r'<text x="[\d.]+" y="([\d.]+)"[^>]*font-weight="600">([^<]+)<', svg
        )
    }
    assert set(ys) == {f"{code} {v:.1f}%" for code, v in scores.items()}
    ordered = sorted(ys.values())
    assert all(b - a >= 13 for a, b in itertools.pairwise(ordered))
    assert ys["pci-dss 73.3%"] < ys["sox 45.5%"] < ys["gdpr 39.1%"] < ys["ccpa 0.0%"]
