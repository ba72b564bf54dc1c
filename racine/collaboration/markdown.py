"""Comment bodies: Markdown rendered by markdown-it-py, then sanitised by nh3 (ammonia).

Raw HTML in a body is never passed through (markdown-it escapes it as text) and the rendered
HTML is cleaned against an allow-list all the same: no script, no event handler, no style, no
image (an image becomes a link to it); links only to http(s) and mailto, opened with
``rel="noopener nofollow"``. ``@username`` outside code becomes
``<span class="mention">@username</span>`` and is reported, so that the service resolves who
is named.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

# The characters of a Django username except "@" (a mention ends before an e-mail's domain);
# a trailing dot is punctuation, not part of the name.
MENTION = re.compile(r"[\w.+-]*[\w+-]")
BEFORE_MENTION = re.compile(r"[\w.+@-]")

TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "span",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
CLASSES = {"span": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow"
EXCERPT_LENGTH = 140


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


def _render_image(self: Any, tokens: list, idx: int, options: Any, env: dict) -> str:
    """No image is shown (nothing is fetched from elsewhere): a link to it, named by its
    alternative text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable(["strikethrough", "table"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("image", _render_image)
    return md


_md = _parser()


def sanitise(markup: str) -> str:
    """``markup`` cleaned against the comment allow-list."""
    return nh3.clean(
        markup,
        tags=TAGS,
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(body: str) -> Rendered:
    """The sanitised HTML of a Markdown ``body`` and the usernames it mentions."""
    env: dict[str, Any] = {}
    markup = _md.render(body, env)
    return Rendered(html=sanitise(markup), mentions=list(env.get("mentions", [])))


def plain_text(body_html: str, limit: int = EXCERPT_LENGTH) -> str:
    """The text of rendered HTML on one line, cut to ``limit`` characters (with "…")."""
    text = html.unescape(nh3.clean(body_html, tags=set()))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
