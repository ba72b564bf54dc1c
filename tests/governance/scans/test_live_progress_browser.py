"""In a real browser (headless Chromium): "Scan now" answers at once, and the run's page shows
the scan's progress live from /ws/live/ (bar, counters, state) without being reloaded.

The web server runs in its own process (``live_server.py`` beside this file) with eager tasks
and the in-memory channel layer, as ``make run`` does without Redis: the scan runs in a thread
of that process and its events reach the socket there. Its third batch of tables waits for a
gate file, so the page is seen in the middle of the run, then at its end.

``PURSIGHT_SCREENSHOT_DIR=docs/screenshots`` saves the page mid-run as ``scan-run-live.png``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

from tests.fixtures import closed_port, running_server, server_env

pytestmark = pytest.mark.browser
HERE = Path(__file__).resolve().parent
TABLES, BATCH = 12, 4


def _target(path: Path) -> Path:
    con = sqlite3.connect(path)
    for t in range(TABLES):
        con.execute(f"CREATE TABLE t{t:02} (id INTEGER PRIMARY KEY, email TEXT, city TEXT)")
        con.executemany(
            f"INSERT INTO t{t:02} (email, city) VALUES (?, ?)",
            [(f"p{i}@example.com", "Lyon") for i in range(20)],
        )
    con.commit()
    con.close()
    return path


@pytest.fixture
def server(tmp_path, settings):
    """The server process, its port and the gate file; stopped at the end."""
    var = tmp_path / "var"
    var.mkdir()
    # The trained classifier is shared with this test session (trained once per machine).
    cache = Path(settings.PURSIGHT_CLASSIFIER["CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    (var / "classifier").symlink_to(cache, target_is_directory=True)
    env = server_env(
        DJANGO_SETTINGS_MODULE="pursight.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'console.sqlite3'}",
        PURSIGHT_VAR_DIR=str(var),
        PURSIGHT_FILE_SOURCE_ROOTS=str(tmp_path),
        PURSIGHT_SCAN_BATCH_TABLES=str(BATCH),
        PURSIGHT_SCAN_CLASSIFY_IN_HELPER="0",
        DEBUG="1",
    )
    port, gate = closed_port(), tmp_path / "go"
    args = [
        sys.executable,
        str(HERE / "live_server.py"),
        str(port),
        str(_target(tmp_path / "w.db")),
        str(gate),
    ]
    with running_server(
        args, port=port, log=tmp_path / "server.log", env=env, announces=True
    ) as ids:
        yield {"url": f"http://127.0.0.1:{port}", "gate": gate, **ids}


def test_scan_now_returns_at_once_and_the_run_page_follows_the_scan_live(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url = server["url"]
    browser.get(f"{url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("steward")
    browser.find_element(By.NAME, "password").send_keys("a-Long-pass-phrase-42")
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{url}/admin/")

    browser.get(f"{url}/admin/datasources/datasource/{server['source']}/change/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Scan now").click()
    browser.find_element(By.CSS_SELECTOR, "#confirm-action [type=submit]").click()

    # The answer came while the scan waits at its gate: the run's page, saying what happened.
    WebDriverWait(browser, 30).until(lambda d: "/admin/scans/scanrun/" in d.current_url)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "started; its page shows the progress live." in body
    browser.execute_script("window.notReloaded = true;")

    def panel(name: str):
        return browser.find_element(By.CSS_SELECTOR, f'#scanrun-live [data-live="{name}"]')

    def counter(name: str) -> str:
        return browser.find_element(By.CSS_SELECTOR, f'#scanrun-live [data-counter="{name}"]').text

    # The first batch is committed; the third waits: a third of the way.
    wait = WebDriverWait(browser, 240)  # the first scan of a fresh process loads the classifier
    wait.until(lambda d: panel("summary").text == f"{BATCH} of {TABLES} tables scanned (33%).")
    assert panel("state").text == "Running"
    assert panel("connection").text == "Live updates: on"
    assert panel("fill").get_attribute("style") == "width: 33%;"
    assert panel("bar").get_attribute("aria-valuenow") == "33"
    assert (counter("tables_seen"), counter("tables_added")) == (str(BATCH), str(BATCH))
    shots = os.environ.get("PURSIGHT_SCREENSHOT_DIR")
    if shots:
        browser.save_screenshot(str(Path(shots) / "scan-run-live.png"))

    server["gate"].touch()

    wait.until(lambda d: panel("state").text == "Succeeded")
    assert panel("summary").text == f"Finished: {TABLES} tables scanned."
    assert panel("fill").get_attribute("style") == "width: 100%;"
    assert counter("tables_added") == str(TABLES)
    assert counter("columns_added") == str(TABLES * 3)
    assert panel("connection").text == "Finished"
    assert panel("reload").is_displayed()
    assert browser.execute_script("return window.notReloaded === true;")  # never reloaded
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
