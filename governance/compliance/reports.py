"""Rendering compliance reports: CSV (one row per finding) and a PDF evidence pack."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pursight.core.api.renderers import csv_cell

from .choices import ReportFormat
from .models import ComplianceReport, Control, FindingEvent, Rule

CSV_HEADER = [
    "framework",
    "control",
    "rule",
    "severity",
    "status",
    "asset_type",
    "asset",
    "qualified_name",
    "data_source",
    "collection",
    "first_seen",
    "last_seen",
    "closed_at",
    "assignee",
    "due_date",
    "evidence",
]


def render(report: ComplianceReport, findings: QuerySet) -> tuple[bytes, int]:
    """``(content, number of findings)`` of ``report`` showing ``findings`` (the service picks
    those its requester may see)."""
    if report.format == ReportFormat.CSV:
        return _csv(report, findings)
    return _pdf(report, findings)


def _csv(report: ComplianceReport, findings: QuerySet) -> tuple[bytes, int]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    n = 0
    for f in findings.iterator(chunk_size=2000):
        n += 1
        row = [
            report.framework.code,
            f.rule.control.code,
            f.rule.code,
            f.severity,
            f.status,
            f.asset_type,
            f.asset_name,
            f.qualified_name,
            f.datasource.name,
            str(f.datasource.collection),
            f.first_seen.isoformat(),
            f.last_seen.isoformat(),
            f.closed_at.isoformat() if f.closed_at else "",
            f.assignee.get_username() if f.assignee else "",
            f.due_date.isoformat() if f.due_date else "",
            json.dumps(f.evidence.get("facts", {}), sort_keys=True, default=str),
        ]
        # Every cell escaped: names come from data sources and stewards (no =HYPERLINK(...)).
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8"), n


def _pdf(report: ComplianceReport, findings: QuerySet) -> tuple[bytes, int]:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    fw = report.framework
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        title=f"{fw.name} evidence pack",
        leftMargin=1.2 * cm,
        rightMargin=1.2 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
    )

    def p(text: Any, style: Any = small) -> Any:
        return Paragraph(
            str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style
        )

    by_rule: dict[int, list[Any]] = defaultdict(list)
    for f in findings.iterator(chunk_size=2000):
        by_rule[f.rule_id].append(f)
    count = sum(len(v) for v in by_rule.values())
    ids = [f.pk for fs in by_rule.values() for f in fs]
    history: dict[int, list[FindingEvent]] = defaultdict(list)
    for i in range(0, len(ids), 5000):
        for e in FindingEvent.objects.filter(finding_id__in=ids[i : i + 5000]).order_by("at", "pk"):
            history[e.finding_id].append(e)

    story: list[Any] = [
        p(f"{fw.name} {fw.version} — compliance evidence pack", styles["Title"]),
        p(fw.description, styles["BodyText"]),
        p(f"Generated {timezone.now():%Y-%m-%d %H:%M %Z}; {count} finding(s).", styles["BodyText"]),
        Spacer(1, 0.4 * cm),
    ]
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbeafe")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    controls = Control.objects.filter(framework=fw).order_by("code")
    rules = defaultdict(list)
    for r in Rule.objects.filter(framework=fw).order_by("code"):
        rules[r.control_id].append(r)
    for control in controls:
        story.append(p(f"Control {control.code}: {control.title}", styles["Heading2"]))
        if control.description:
            story.append(p(control.description, styles["BodyText"]))
        for rule in rules.get(control.pk, []):
            story.append(
                p(
                    f"Rule {rule.code} — {rule.name} [{rule.severity}]"
                    + ("" if rule.enabled else " (disabled)"),
                    styles["Heading4"],
                )
            )
            story.append(
                p(
                    f"Assets: {rule.asset_type}, scope {json.dumps(rule.scope)}; "
                    f"condition {json.dumps(rule.condition)}. Remediation: {rule.remediation}"
                )
            )
            rows = [
                ["Asset", "Data source", "Status", "First seen", "Last seen", "Evidence", "History"]
            ]
            for f in by_rule.get(rule.pk, []):
                events = f"{f.first_seen:%Y-%m-%d} detected (run {f.first_run_id}); " + "; ".join(
                    f"{e.at:%Y-%m-%d} {e.from_status or '-'}→{e.to_status} ({e.actor_repr})"
                    + (f": {e.note}" if e.note else "")
                    for e in history.get(f.pk, [])
                )
                rows.append(
                    [
                        p(f.asset_name or f.qualified_name),
                        p(f.datasource.name),
                        p(f.get_status_display()),
                        p(f"{f.first_seen:%Y-%m-%d}"),
                        p(f"{f.last_seen:%Y-%m-%d}"),
                        p(json.dumps(f.evidence.get("facts", {}), default=str)),
                        p(events),
                    ]
                )
            if len(rows) == 1:
                story.append(p("No finding."))
                continue
            widths = [5 * cm, 3 * cm, 2.3 * cm, 2 * cm, 2 * cm, 5.5 * cm, 7 * cm]
            table = Table(rows, colWidths=widths, repeatRows=1)
            table.setStyle(grid)
            story.append(table)
        story.append(Spacer(1, 0.3 * cm))
    if not controls:
        story.append(PageBreak())
    doc.build(story)
    return buf.getvalue(), count
