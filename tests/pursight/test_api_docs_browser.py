"""The API docs render in a real browser under the project's CSP, with no network beyond the
server itself (issue 12: Swagger UI was loaded from a CDN the CSP blocks).

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``). Skipped,
with the reason, where they are missing.
"""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"


def test_swagger_ui_renders_the_operations_under_the_csp(browser, live_server, make_user):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    user = make_user("reader")
    user.set_password(PASSWORD)
    user.save()
    browser.get(f"{live_server.url}/api/auth/login/")
    browser.find_element(By.NAME, "username").send_keys("reader")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_to_be(f"{live_server.url}/api/v1/"))

    browser.get_log("browser")  # drop the sign-in pages' messages (their /favicon.ico)
    browser.get(f"{live_server.url}/api/docs/")
    from selenium.common.exceptions import TimeoutException

    try:
        WebDriverWait(browser, 30).until(
            lambda b: len(b.find_elements(By.CSS_SELECTOR, ".opblock")) > 10
        )
    except TimeoutException:
        logs = [e["message"][:300] for e in browser.get_log("browser")]
        count = len(browser.find_elements(By.CSS_SELECTOR, ".opblock"))
        body = f"{count} opblocks; " + browser.find_element(By.TAG_NAME, "body").text[:200]
        raise AssertionError(f"Swagger UI drew no operations: {body!r}; console: {logs}") from None
    text = browser.find_element(By.TAG_NAME, "body").text
    # Operations are drawn as they scroll into view: the first ones are there.
    assert "PurSight API" in text and "/api/v1/activity/" in text
    if os.environ.get("PURSIGHT_SHOTS"):
        os.makedirs(os.environ["PURSIGHT_SHOTS"], exist_ok=True)
        browser.save_screenshot(os.path.join(os.environ["PURSIGHT_SHOTS"], "swagger.png"))
    blocked = [
        entry["message"]
        for entry in browser.get_log("browser")
        if "Content Security Policy" in entry["message"] or entry["level"] == "SEVERE"
    ]
    assert blocked == []
