from __future__ import annotations

from django.http import HttpResponse

from .models import ComplianceReport


def report_response(report: ComplianceReport) -> HttpResponse:
    """A finished report as a file download."""
    content_type = "text/csv" if report.format == "csv" else "application/pdf"
    response = HttpResponse(bytes(report.content or b""), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response
