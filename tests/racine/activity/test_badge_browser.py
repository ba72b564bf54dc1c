"""In a real browser (headless Chromium): the header's unread badge shows the count on every
admin page and follows new notifications live, without a reload.

The web server runs in its own process (``badge_server.py`` beside this file) with the
in-memory channel layer; the notifications are made there (a file per mention).
``PURSIGHT_SCREENSHOT_DIR=docs/screenshots`` saves the header with its badge as
``inbox-badge.png``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.fixtures import build_shop, closed_port, page_wait, running_server, server_env

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent


@pytest.fixture
def server(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    env = server_env(
        DJANGO_SETTINGS_MODULE="pursight.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'console.sqlite3'}",
        PURSIGHT_VAR_DIR=str(var),
        PURSIGHT_FILE_SOURCE_ROOTS=str(tmp_path),
        DEBUG="1",
    )
    port, gates = closed_port(), tmp_path / "gates"
    gates.mkdir()
    build_shop(gates / "shop.sqlite")
    args = [sys.executable, str(HERE / "badge_server.py"), str(port), str(gates)]
    with running_server(
        args, port=port, log=tmp_path / "server.log", env=env, announces=True
    ) as ids:
        yield {"url": f"http://127.0.0.1:{port}", "gates": gates, **ids}


def test_the_unread_badge_follows_new_notifications_live(browser, server):
    from selenium.webdriver.common.by import By

    url = server["url"]
    browser.get(f"{url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("reader")
    browser.find_element(By.NAME, "password").send_keys("a-Long-pass-phrase-42")
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    page_wait(browser).until(lambda d: d.current_url == f"{url}/admin/")

    browser.get(f"{url}/admin/datasources/datasource/")
    browser.execute_script("window.notReloaded = true;")
    badge = browser.find_element(By.ID, "pursight-inbox-badge")
    count = badge.find_element(By.CSS_SELECTOR, "[data-inbox-count]")
    wait = page_wait(browser)
    wait.until(lambda d: badge.get_attribute("data-live") == "on")
    assert badge.get_attribute("data-unread") == "0" and not count.is_displayed()
    assert badge.get_attribute("href") == f"{url}/admin/activity/notification/"

    (server["gates"] / "mention-1").touch()
    wait.until(lambda d: badge.get_attribute("data-unread") == "1")
    assert count.is_displayed() and count.text == "1"
    assert badge.get_attribute("title") == "My notifications (1 unread)"
    (server["gates"] / "mention-2").touch()
    wait.until(lambda d: count.text == "2")
    assert browser.execute_script("return window.notReloaded === true;")  # never reloaded
    shots = os.environ.get("PURSIGHT_SCREENSHOT_DIR")
    if shots:
        browser.save_screenshot(str(Path(shots) / "inbox-badge.png"))

    # The inbox: mark everything read; the badge there says so too.
    badge.click()
    wait.until(lambda d: "My notifications" in d.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "colleague mentioned you on shop" in body and "2 unread" in body
    if shots:
        browser.save_screenshot(str(Path(shots) / "inbox.png"))
    browser.find_element(By.XPATH, "//button[normalize-space()='Mark all read']").click()
    wait.until(lambda d: "0 unread" in d.find_element(By.TAG_NAME, "body").text)
    badge = browser.find_element(By.ID, "pursight-inbox-badge")
    wait.until(lambda d: badge.get_attribute("data-unread") == "0")
    assert not badge.find_element(By.CSS_SELECTOR, "[data-inbox-count]").is_displayed()
    # Preferences: untick a kind, turn e-mail on.
    browser.find_element(By.LINK_TEXT, "Preferences").click()
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=notify]")
    from racine.activity.services import NOTIFICATION_KINDS

    assert len(boxes) == len(NOTIFICATION_KINDS) and all(b.is_selected() for b in boxes)
    if shots:
        browser.save_screenshot(str(Path(shots) / "notification-preferences.png"))
    browser.find_element(By.CSS_SELECTOR, "input[name=notify][value=finding]").click()
    browser.find_element(By.CSS_SELECTOR, "#notification-preferences [type=submit]").click()
    wait.until(lambda d: "preferences were saved" in d.find_element(By.TAG_NAME, "body").text)
    boxes = browser.find_elements(By.CSS_SELECTOR, "input[name=notify]")
    assert [b.get_attribute("value") for b in boxes if not b.is_selected()] == ["finding"]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
