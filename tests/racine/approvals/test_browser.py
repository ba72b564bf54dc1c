"""The Main Manager, a review page and the access request flow in a real browser (headless
Chromium): live progress of a run started after the page loaded, approving with a comment by
POST, asking for a role. Screenshots go to $PURSIGHT_SHOTS when set (main-manager.png,
approval-review.png, access-request.png).

Skipped, with the reason, where Chromium or its driver is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from governance.scans.models import Scan, ScanRun
from racine.approvals.models import AccessRequest, ApprovalRequest, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"


def _shot(browser, name: str) -> None:
    folder = os.environ.get("PURSIGHT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def _login(browser, live_server, user) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    user.set_password(PASSWORD)
    user.save()
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys(user.get_username())
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: "/login/" not in b.current_url)


def _errors(browser) -> list[str]:
    """Errors of the page's scripts (the live socket is not served by the WSGI test server)."""
    return [
        e["message"]
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and "/ws/live/" not in e["message"]
    ]


def _run(source, state, **kw):
    scan = Scan.objects.create(datasource=source, name=f"s{Scan.objects.count()}")
    return ScanRun.objects.create(scan=scan, datasource=source, state=state, **kw)


def test_main_manager_review_and_access_request(browser, live_server, world, policy, grant):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    source = world.row.datasource
    grant(world.curator2, "manage_datasources", world.finance)
    grant(world.curator2, "manage_compliance", world.finance)
    _run(source, "running", tables_total=40, tables_done=26, started_at=timezone.now())
    _run(source, "failed", error="Timed out reading ledger.entries", finished_at=timezone.now())
    _run(source, "succeeded", tables_total=3, tables_done=3, finished_at=timezone.now())
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    request = ApprovalRequest.objects.get()

    _login(browser, live_server, world.fresh(world.curator2))
    page = browser.find_element(By.ID, "manager-running")
    assert "ledger-db" in page.text and "26 of 40 tables" in page.text
    assert (
        "Timed out reading ledger.entries" in browser.find_element(By.ID, "manager-failures").text
    )
    assert "Accept classification" in browser.find_element(By.ID, "manager-approvals").text
    assert browser.find_element(By.ID, "manager-coverage").find_element(By.TAG_NAME, "svg")
    # A run that starts after the page loaded appears without a reload (the feed, every 5 s).
    _run(source, "running", tables_total=8, tables_done=2, started_at=timezone.now())
    WebDriverWait(browser, 15).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#manager-running tbody tr")) == 2
    )
    browser.set_window_size(1400, 1500)
    _shot(browser, "main-manager")
    browser.set_window_size(1400, 1100)
    assert not _errors(browser)

    # The review page: approve with a comment (a POST form).
    browser.find_element(By.PARTIAL_LINK_TEXT, f"#{request.pk}").click()
    WebDriverWait(browser, 15).until(lambda b: b.find_elements(By.ID, "approval-decide"))
    assert "Proposed change" in browser.page_source
    browser.find_element(By.ID, "approval-comment").send_keys(
        "Checked the samples: it is an e-mail."
    )
    _shot(browser, "approval-review")
    browser.find_element(By.CSS_SELECTOR, "#approval-decide button[value=approve]").click()
    WebDriverWait(browser, 15).until(lambda b: "the change is applied" in b.page_source)
    assert ApprovalRequest.objects.get(pk=request.pk).status == Status.APPROVED
    assert ColumnClassification.objects.get(pk=world.row.pk).status == "accepted"
    assert "Checked the samples" in browser.find_element(By.ID, "approval-decisions").text
    assert not browser.find_elements(By.ID, "approval-decide")  # decided: no more buttons

    # Someone asks for a role on HR; they land on their request's page.
    _login(browser, live_server, world.fresh(world.outsider))
    browser.get(f"{live_server.url}/admin/approvals/accessrequest/add/")
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.NAME, "collection")).select_by_visible_text("HR")
    Select(browser.find_element(By.NAME, "role")).select_by_visible_text("Data Curator")
    browser.find_element(By.NAME, "justification").send_keys("Quarter close: fix the HR labels.")
    browser.find_element(By.CSS_SELECTOR, "[name=_save]").click()
    WebDriverWait(browser, 15).until(lambda b: "Request sent" in b.page_source)
    assert "/review/" in browser.current_url
    text = browser.find_element(By.ID, "approval-review").text
    assert "Data Curator on HR" in text and "Nobody approves their own request" in text
    _shot(browser, "access-request")
    assert AccessRequest.objects.get().status == "pending"
    assert not _errors(browser)
