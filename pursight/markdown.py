"""Markdown for governed text (glossary definitions, descriptions, comments): rendered by
markdown-it-py, then sanitised by nh3 against an allow-list. Racine's comments build on this
parser (:func:`parser`) and add their mentions (``racine/collaboration/markdown.py``).

Raw HTML in the source is never passed through (markdown-it escapes it as text) and the
rendered HTML is cleaned all the same: no script, no event handler, no style, no image (an
image becomes a link to it, so that nothing is fetched from elsewhere); links only to http(s)
and mailto, with ``rel="noopener nofollow"``.
"""

from __future__ import annotations

import html
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow"


def _render_image(self: Any, tokens: list, idx: int, options: Any, env: dict) -> str:
    """No image is shown (nothing is fetched from elsewhere): a link to it, named by its
    alternative text."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt)}</a>'


def parser() -> MarkdownIt:
    """A fresh parser with PurSight's rules (CommonMark, strikethrough, tables, no raw HTML,
    images as links); callers may add rules of their own."""
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable(["strikethrough", "table"])
    md.add_render_rule("image", _render_image)
    return md


_md = parser()


def sanitise(
    markup: str,
    *,
    extra_tags: frozenset[str] = frozenset(),
    classes: dict[str, set[str]] | None = None,
) -> str:
    """``markup`` cleaned against the allow-list (plus ``extra_tags`` and the ``classes``
    allowed on them, e.g. ``{"span": {"mention"}}``)."""
    return nh3.clean(
        markup,
        tags=TAGS | extra_tags,
        attributes=ATTRIBUTES,
        allowed_classes=classes or {},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(source: str) -> str:
    """The sanitised HTML of Markdown ``source``."""
    return sanitise(_md.render(source or ""))


def plain_text(rendered: str, limit: int = 140) -> str:
    """The text of rendered HTML on one line, cut to ``limit`` characters (with "…")."""
    text = " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
