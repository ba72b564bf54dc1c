"""The compliance pages in a real browser (headless Chromium): the dashboard's trend with one day
of data, "No data" for an evaluation that checked nothing, and the accept-risk form keeping its
input with the errors beside the fields. Screenshots go to $PURSIGHT_SHOTS when set.

Skipped, with the reason, where Chromium or its driver is missing.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from governance.compliance.models import Finding
from tests.fixtures import page_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"


def _shot(browser, name: str) -> None:
    folder = os.environ.get("PURSIGHT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


@pytest.fixture
def officer(browser, live_server, catalog_of, make_user, grant, make_rule, evaluate):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    cat = catalog_of(name="shop")
    table = cat.table(cat.schema("public"), "customers")
    for name in ("email", "phone", "age"):
        cat.column(table, name)
    make_rule("column", {"type": "has_description"}, name="Columns are described")
    evaluate(datasource=cat.source)
    empty = catalog_of(name="empty")
    evaluate(datasource=empty.source)
    user = make_user("officer")
    user.set_password(PASSWORD)
    user.save()
    grant(user, "view_catalog", cat.source.collection)
    grant(user, "view_catalog", empty.source.collection)
    grant(user, "manage_compliance", cat.source.collection)
    grant(user, "manage_compliance", empty.source.collection)
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("officer")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: "/login/" not in b.current_url)
    return browser


def _page_says(browser, text: str) -> None:
    """Wait for the page a click leads to (the old page's elements go stale)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions

    # While the next page replaces the old one, its body may belong to no document.
    page_wait(browser, 15, also=(WebDriverException,)).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), text)
    )


def test_dashboard_trend_with_one_day_and_no_data_runs(officer, live_server):
    from selenium.webdriver.common.by import By

    officer.get(f"{live_server.url}/admin/compliance/finding/dashboard/")
    svg = officer.find_element(By.CSS_SELECTOR, "svg[aria-label='Compliance score trend']")
    assert "One day of data so far" in svg.text and "test 0.0%" in svg.text
    circle = svg.find_element(By.TAG_NAME, "circle")
    assert circle.size["width"] >= 8  # a visible marker, not a 5px dot in a corner
    box, marker = svg.rect, circle.rect
    assert abs((marker["x"] + marker["width"] / 2) - (box["x"] + box["width"] / 2)) < 5
    _shot(officer, "compliance-dashboard-one-day")

    officer.get(f"{live_server.url}/admin/compliance/evaluationrun/")
    _shot(officer, "compliance-runs-no-data")
    rows = officer.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    by_source = {("empty" in r.text): r.text for r in rows}
    assert "No data" in by_source[True] and "0.0%" in by_source[False]


def test_accept_risk_form_keeps_input_and_shows_errors(officer, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    officer.get(f"{live_server.url}/admin/compliance/finding/")
    officer.find_element(By.ID, "action-toggle").click()
    Select(officer.find_element(By.NAME, "action")).select_by_value("accept_risk")
    officer.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    _page_says(officer, "3 findings selected")
    _shot(officer, "compliance-accept-risk-form")

    justification = officer.find_element(By.NAME, "justification")
    justification.send_keys("Masked in the reporting layer")
    past = timezone.localdate() - timedelta(days=2)
    # The browser's date input takes the date as typed in its locale (en-US: mm/dd/yyyy).
    officer.find_element(By.NAME, "expires_on").send_keys(past.strftime("%m%d%Y"))
    officer.find_element(By.NAME, "note").send_keys("ticket 42")
    officer.find_element(By.CSS_SELECTOR, "#transition-form button[name=apply]").click()

    _page_says(officer, "The expiry date must be in the future.")
    assert officer.find_element(By.NAME, "justification").get_attribute("value") == (
        "Masked in the reporting layer"
    )
    assert officer.find_element(By.NAME, "note").get_attribute("value") == "ticket 42"
    assert officer.find_element(By.NAME, "expires_on").get_attribute("value") == past.isoformat()
    error = officer.find_element(By.XPATH, "//*[contains(text(), 'must be in the future')]")
    assert error.value_of_css_property("color") != officer.find_element(
        By.TAG_NAME, "label"
    ).value_of_css_property("color")
    _shot(officer, "compliance-accept-risk-errors")
    assert set(Finding.objects.values_list("status", flat=True)) == {"open"}

    future = timezone.localdate() + timedelta(days=30)
    field = officer.find_element(By.NAME, "expires_on")
    officer.execute_script("arguments[0].value = arguments[1]", field, future.isoformat())
    officer.find_element(By.CSS_SELECTOR, "#transition-form button[name=apply]").click()
    _page_says(officer, "3 finding(s) now accepted risk.")
    _shot(officer, "compliance-accept-risk-done")
    assert set(Finding.objects.values_list("status", flat=True)) == {"accepted_risk"}
