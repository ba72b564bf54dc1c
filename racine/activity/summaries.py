"""What an activity event says, in one sentence, built when it is read (never stored): the
wording can change without rewriting history, and names come from the event's own data.

Each kind has a sentence (:data:`sentences`, a registry other apps may extend in ``ready()``);
an unknown kind still reads sensibly. Sentences use only the event's ``kind``, ``data``, actor
and ``target_repr``: no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pursight.registry import Registry

SOMEONE = "Someone"


@dataclass(frozen=True)
class Said:
    """What a sentence may use: the actor's name, the target's name, the event's data."""

    kind: str
    actor: str
    target: str
    data: dict[str, Any]

    def get(self, key: str, default: Any = "") -> Any:
        value = self.data.get(key, default)
        return default if value is None else value


Sentence = Callable[[Said], str]
sentences: Registry[Sentence] = Registry("activity sentences")
_kinds: set[str] = set()


def register(kind: str, sentence: Sentence) -> None:
    """Give ``kind`` its sentence (replacing the one it had)."""
    sentences.register(kind, sentence)
    _kinds.add(kind)


def plural(n: Any, word: str, words: str | None = None) -> str:
    """``1 table``, ``3 tables`` (``words`` for irregular plurals)."""
    try:
        count = int(n)
    except (TypeError, ValueError):
        count = 0
    return f"{count} {word if count == 1 else (words or word + 's')}"


def person(value: Any) -> str:
    """A user named in the data: ``{"id", "name"}``, a name, or nothing."""
    if isinstance(value, dict):
        return str(value.get("name") or value.get("username") or SOMEONE.lower())
    if isinstance(value, str) and value:
        return value
    return "someone"


def thing(value: Any) -> str:
    """An object named in the data: ``{"type", "id", "name"}`` or a name."""
    if isinstance(value, dict):
        return str(value.get("name") or f"{value.get('type', 'object')} {value.get('id', '')}")
    return str(value or "an object")


def cap(text: str) -> str:
    """The first letter in upper case, the rest untouched (names keep their case)."""
    return text[:1].upper() + text[1:]


def quote(text: Any, limit: int = 120) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    return f": “{text[: limit - 1]}…”" if len(text) > limit else f": “{text}”"


def counts(mapping: Any, labels: dict[str, str] | None = None) -> str:
    """``{"high": 2, "low": 1}`` → ``2 high, 1 low`` (largest first)."""
    if not isinstance(mapping, dict):
        return ""
    items = sorted(
        ((k, v) for k, v in mapping.items() if isinstance(v, int) and v),
        key=lambda kv: (-kv[1], kv[0]),
    )
    return ", ".join(f"{v} {(labels or {}).get(k, k.replace('_', ' '))}" for k, v in items)


def summarize(*, kind: str, actor: str | None, target: str, data: dict[str, Any] | None) -> str:
    """The sentence of one event (``actor``: the actor's name, None for the system)."""
    said = Said(kind, actor or SOMEONE, target or "an object", data or {})
    try:
        sentence: Sentence | None = sentences[kind]
    except KeyError:
        sentence = None
    if sentence is None:
        noun, _, verb = kind.partition(".")
        return f"{said.actor}: {noun} {verb.replace('_', ' ')} — {said.target}".strip()
    try:
        return sentence(said)
    except Exception:  # a sentence must never break a feed (data written by an older version)
        return f"{said.actor}: {kind} — {said.target}"


# --- governance -------------------------------------------------------------------------------

CHANGE_WORDS = {
    "added": "added",
    "removed": "removed",
    "restored": "reappeared",
    "type_changed": "type changed",
    "changed": "definition changed",
}
FINDING_STATUS = {
    "open": "open",
    "acknowledged": "acknowledged",
    "in_remediation": "in remediation",
    "resolved": "resolved",
    "accepted_risk": "accepted risk",
    "false_positive": "false positive",
}


def _scan_started(s: Said) -> str:
    if s.actor == SOMEONE:
        return f"{cap(s.target)} started ({s.get('trigger', 'scheduled')})"
    return f"{s.actor} started {s.target}"


def _scan_finished(s: Said) -> str:
    tables = s.get("tables_done", None)
    done = f": {plural(tables, 'table')} scanned" if tables is not None else ""
    return f"{cap(s.target)} finished{done}"


def _schema_changed(s: Said) -> str:
    if s.get("initial", False):
        return f"{cap(s.target)} catalogued {counts(s.get('changes', {}), CHANGE_WORDS)}"
    detail = counts(s.get("changes", {}), CHANGE_WORDS)
    return f"{cap(s.target)} detected {plural(s.get('total', 0), 'schema change')}" + (
        f" ({detail})" if detail else ""
    )


def _suggested(s: Said) -> str:
    types = counts(s.get("types", {}))
    return (
        f"{cap(s.target)} suggested {plural(s.get('count', 0), 'classification')} "
        f"on {plural(s.get('tables', 0), 'table')}" + (f" ({types})" if types else "")
    )


def _decided(verb: str) -> Sentence:
    def sentence(s: Said) -> str:
        if "count" in s.data:
            return f"{s.actor} {verb} {plural(s.get('count', 0), 'suggestion')} on {s.target}"
        how = " by hand" if s.get("manual", False) else ""
        return f"{s.actor} {verb} {s.target}{how}"

    return sentence


def _finding_opened(s: Said) -> str:
    if "total" in s.data:  # a data source's summary of one evaluation
        detail = counts(s.get("counts", {}))
        framework = s.get("framework")
        return (
            f"{plural(s.get('total', 0), 'new finding')} on {s.target}"
            + (f" ({detail})" if detail else "")
            + (f" in {framework}" if framework else "")
        )
    return f"New {s.get('severity', '')} finding: {s.target}".replace("  ", " ")


def _finding_moved(s: Said) -> str:
    to = FINDING_STATUS.get(s.get("to"), s.get("to"))
    return f"{s.actor} moved {s.target} to {to}"


def _finding_assigned(s: Said) -> str:
    if not s.get("assignee", None):
        return f"{s.actor} unassigned {s.target}"
    return f"{s.actor} assigned {s.target} to {person(s.get('assignee_name', None))}"


# --- racine -----------------------------------------------------------------------------------


def _member(verb: str) -> Sentence:
    def sentence(s: Said) -> str:
        who = person(s.get("user", None) or s.get("user_name", None))
        role = s.get("role")
        if verb == "role":
            return f"{s.actor} made {who} {role or 'a member'} of {s.target}"
        if verb == "added":
            return f"{s.actor} added {who} to {s.target}" + (f" as {role}" if role else "")
        return f"{s.actor} removed {who} from {s.target}"

    return sentence


def _pinned(s: Said) -> str:
    pinned = s.get("target", None) or s.get("pinned", None) or s.target
    where = s.get("workspace_name")
    verb = "pinned" if s.kind == "pin.added" else "unpinned"
    return f"{s.actor} {verb} {thing(pinned)}" + (f" in {where}" if where else "")


def _comment(verb: str) -> Sentence:
    def sentence(s: Said) -> str:
        if verb == "created":
            reply = s.get("parent", None) or s.get("reply_to_author", None)
            what = "replied on" if reply else "commented on"
            return f"{s.actor} {what} {s.target}{quote(s.get('excerpt'))}"
        return f"{s.actor} {verb} a comment on {s.target}"

    return sentence


def _task(s: Said) -> str:
    verb = s.kind.partition(".")[2]
    if verb == "created":
        return f"{s.actor} created the task {s.target}"
    if verb == "assigned":
        assignee = s.get("assignee_name", None) or s.get("assignee", None)
        return f"{s.actor} assigned {s.target} to {person(assignee)}"
    if verb == "status_changed":
        status = str(s.get("status") or s.get("to") or "").replace("_", " ")
        return f"{s.actor} moved {s.target} to {status or 'a new status'}"
    return f"{s.actor} updated the task {s.target}"


def _workspace(verb: str) -> Sentence:
    def sentence(s: Said) -> str:
        if verb == "ownership_transferred":
            to = person(s.get("user", None) or s.get("to", None))
            return f"{s.actor} handed ownership of {s.target} to {to}"
        return f"{s.actor} {verb} the workspace {s.target}"

    return sentence


for _kind, _sentence in {
    "scan.started": _scan_started,
    "scan.finished": _scan_finished,
    "scan.failed": lambda s: f"{cap(s.target)} failed" + quote(s.get("error"), 160),
    "scan.cancelled": lambda s: f"{cap(s.target)} was cancelled",
    "schema.changed": _schema_changed,
    "classification.suggested": _suggested,
    "classification.accepted": _decided("accepted"),
    "classification.rejected": _decided("rejected"),
    "finding.opened": _finding_opened,
    "finding.transitioned": _finding_moved,
    "finding.closed": lambda s: f"{s.actor} resolved {s.target}",
    "finding.assigned": _finding_assigned,
    "description.edited": lambda s: f"{s.actor} edited the description of {s.target}",
    "member.added": _member("added"),
    "member.removed": _member("removed"),
    "member.role_changed": _member("role"),
    "workspace.created": _workspace("created"),
    "workspace.archived": _workspace("archived"),
    "workspace.restored": _workspace("restored"),
    "workspace.activated": _workspace("activated"),
    "workspace.ownership_transferred": _workspace("ownership_transferred"),
    "pin.added": _pinned,
    "pin.removed": _pinned,
    "comment.created": _comment("created"),
    "comment.edited": _comment("edited"),
    "comment.deleted": _comment("deleted"),
    "comment.resolved": _comment("resolved"),
    "comment.reopened": _comment("reopened"),
    "task.created": _task,
    "task.assigned": _task,
    "task.status_changed": _task,
    "task.updated": _task,
    "notes.edited": lambda s: f"{s.actor} edited the notes of {s.target}",
}.items():
    register(_kind, _sentence)


def known_kinds() -> list[str]:
    """Every kind with a sentence, sorted (the admin's kind filter offers them)."""
    return sorted(_kinds)
