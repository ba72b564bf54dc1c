"""A steward's flow in a real browser (headless Chromium): sign in, find a data source, test its
connection, start a scan and browse the columns it found.

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``; `.ci/run`
installs them). Skipped, with the reason, where they are missing.
"""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_steward_tests_a_connection_scans_and_browses(
    browser, live_server, make_user, make_collection, grant, make_source, shop_db, settings
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    settings.CELERY_TASK_ALWAYS_EAGER = True
    sales = make_collection("Sales")
    steward = make_user("steward")
    steward.set_password("a-Long-pass-phrase-42")
    steward.save()
    for perm in ("view_catalog", "manage_datasources"):
        grant(steward, perm, sales)
    source = make_source(shop_db, collection=sales, name="shop")
    make_source(shop_db, collection=make_collection("HR"), name="payroll")

    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("steward")
    browser.find_element(By.NAME, "password").send_keys("a-Long-pass-phrase-42")
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()

    browser.get(f"{live_server.url}/admin/datasources/datasource/")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "shop" in body and "payroll" not in body

    def page_says(text: str) -> None:
        """Wait for the page that a click leads to (the old page's elements go stale)."""
        WebDriverWait(browser, 30).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), text)
        )

    browser.get(f"{live_server.url}/admin/datasources/datasource/{source.pk}/change/")
    # Actions that change something ask first and act only on the confirming POST.
    browser.find_element(By.PARTIAL_LINK_TEXT, "Test connection").click()
    browser.find_element(By.CSS_SELECTOR, "#confirm-action [type=submit]").click()
    page_says("shop: Connected in")

    browser.find_element(By.PARTIAL_LINK_TEXT, "Scan now").click()
    browser.find_element(By.CSS_SELECTOR, "#confirm-action [type=submit]").click()
    page_says("Scan run #")
    # The scan runs after the response (eager tasks: a background thread); the first scan of a
    # process may load the classifier, which takes long on a busy machine.
    deadline = time.monotonic() + 240
    while "Succeeded" not in browser.find_element(By.TAG_NAME, "body").text:
        assert time.monotonic() < deadline, browser.find_element(By.TAG_NAME, "body").text[:2000]
        time.sleep(1)
        browser.refresh()

    browser.get(f"{live_server.url}/admin/catalog/catalogcolumn/?q=email")
    rows = browser.find_elements(By.CSS_SELECTOR, "#result_list tbody tr")
    assert len(rows) == 1 and "email" in rows[0].text
