"""Time zones and cron expressions of schedules, validated alike by the model, the admin form,
the API and the services."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError


def validate_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"timezone": f"Unknown time zone '{name}'."}) from None


def cron_parts(expression: str) -> list[str]:
    """The five fields of a cron expression, checked by Celery's own parser."""
    from celery.schedules import crontab

    parts = (expression or "").split()
    if len(parts) != 5:
        raise ValidationError(
            {
                "cron": "A cron expression has five fields: minute hour day-of-month month "
                "day-of-week (e.g. '0 2 * * *')."
            }
        )
    try:
        crontab(
            minute=parts[0],
            hour=parts[1],
            day_of_month=parts[2],
            month_of_year=parts[3],
            day_of_week=parts[4],
        )
    except (ValueError, TypeError, IndexError) as exc:
        raise ValidationError({"cron": f"Not a valid cron expression: {exc}"}) from None
    return parts
