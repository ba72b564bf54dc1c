"""``{% object_panels original %}``: the panels other apps add under an object's change page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from pursight.admin_extensions import render_object_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def object_panels(context: dict[str, Any], obj: Any) -> SafeString:
    request = context.get("request")
    if request is None:
        return mark_safe("")
    # Each panel returns HTML built with templates or format_html (escaped where it must be).
    return mark_safe("".join(render_object_panels(request, obj)))  # noqa: S308
