"""Comment bodies: Markdown rendered by markdown-it-py, then sanitised by nh3 (ammonia).

Raw HTML in a body is never passed through (markdown-it escapes it as text) and the rendered
HTML is cleaned against an allow-list all the same: no script, no event handler, no style, no
image (an image becomes a link to it); links only to http(s) and mailto, opened with
``rel="noopener nofollow"``. ``@username`` outside code becomes
``<span class="mention">@username</span>`` and is reported, so that the service resolves who
is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from pursight import markdown

# The characters of a Django username except "@" (a mention ends before an e-mail's domain);
# a trailing dot is punctuation, not part of the name.
MENTION = re.compile(r"[\w.+-]*[\w+-]")
BEFORE_MENTION = re.compile(r"[\w.+@-]")
MENTION_TAGS = frozenset({"span"})
CLASSES = {"span": {"mention"}}


@dataclass
class Rendered:
    html: str
    mentions: list[str] = field(default_factory=list)  # usernames, in order, once each


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@":
        return False
    if pos > 0 and BEFORE_MENTION.match(state.src[pos - 1]):
        return False  # an e-mail address, or "a@b"
    match = MENTION.match(state.src, pos + 1)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0)
    state.pos = match.end()
    return True


def _render_mention(self: Any, tokens: list, idx: int, options: Any, env: dict) -> str:
    name = tokens[idx].content
    env.setdefault("mentions", [])
    if name not in env["mentions"]:
        env["mentions"].append(name)
    return f'<span class="mention">@{escapeHtml(name)}</span>'


def _parser() -> Any:
    md = markdown.parser()
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


_md = _parser()


def sanitise(markup: str) -> str:
    """``markup`` cleaned against the allow-list, mentions kept."""
    return markdown.sanitise(markup, extra_tags=MENTION_TAGS, classes=CLASSES)


def render(body: str) -> Rendered:
    """The sanitised HTML of a Markdown ``body`` and the usernames it mentions."""
    env: dict[str, Any] = {}
    markup = _md.render(body, env)
    return Rendered(html=sanitise(markup), mentions=list(env.get("mentions", [])))
