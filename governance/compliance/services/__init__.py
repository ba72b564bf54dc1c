"""Compliance services: every write happens here, in one transaction, with an audit record.

One module per concern; callers outside the package may import the services from here:

- :mod:`.access`: the permission checks the services make (through :mod:`pursight.permissions`);
- :mod:`.definitions`: frameworks, controls and rules (validate, save, delete) and the rule
  test bench;
- :mod:`.runs`: evaluation runs, set-based (a constant number of queries per rule);
- :mod:`.scores`: scores and their daily snapshots;
- :mod:`.findings`: the finding lifecycle (transitions, assignment) and acknowledged drift;
- :mod:`.overview`: the dashboard's read model (named apart from its function ``dashboard``);
- :mod:`.reports`: report requests, building and visibility.

Imports point one way: ``models`` ← ``services`` ← ``tasks``, ``admin``, ``api``, ``signals``.
Services queue tasks by name and never import the tasks module.
"""

from __future__ import annotations

from .definitions import (
    Preview,
    check_test_bench,
    delete_object,
    may_use_test_bench,
    preview_rule,
    save_control,
    save_framework,
    save_rule,
    validate_rule,
)
from .findings import (
    BulkResult,
    TransitionError,
    acknowledge_schema_changes,
    age_filter,
    assign_finding,
    bulk_transition,
    check_transition_input,
    transition_finding,
)
from .notes import describe_finding
from .overview import dashboard
from .reports import build_report, report_findings, request_report, visible_reports
from .runs import RuleOutcome, Summary, evaluate, evaluate_framework, summarize
from .scores import score

__all__ = [
    "BulkResult",
    "Preview",
    "RuleOutcome",
    "Summary",
    "TransitionError",
    "acknowledge_schema_changes",
    "age_filter",
    "assign_finding",
    "build_report",
    "bulk_transition",
    "check_test_bench",
    "check_transition_input",
    "dashboard",
    "delete_object",
    "describe_finding",
    "evaluate",
    "evaluate_framework",
    "may_use_test_bench",
    "preview_rule",
    "report_findings",
    "request_report",
    "save_control",
    "save_framework",
    "save_rule",
    "score",
    "summarize",
    "transition_finding",
    "validate_rule",
    "visible_reports",
]
