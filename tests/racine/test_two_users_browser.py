"""Two users on one workspace board, in two real Chromium sessions, served by daphne (HTTP and
the live WebSocket, as in production): without reloading, the second sees the first arrive
(presence), their comment, their note text, and the progress of the scan they start; both
type into the notes at once and both texts survive.

The daphne process serves the test database, so this needs PostgreSQL (``DATABASE_URL``; CI
has it): an in-memory SQLite test database cannot be shared with another process.
Screenshots go to $PURSIGHT_SHOTS when set (docs/screenshots/ holds the published ones).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pursight.testing import require
from tests.fixtures import closed_port, running_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-Long-pass-phrase-42"
WAIT = 20
# A first scan in a fresh environment may train the default classifier model first.
SCAN_WAIT = 300


# What the board shows, for a failure's message.
BOARD_STATE = (
    "return ['wb-pins', 'wb-activity', 'wb-scans'].map(function (id) {"
    " var n = document.getElementById(id); return id + ': ' + (n ? n.innerText : '-'); })"
    ".join(' | ')"
)


def _shot(driver: Any, name: str) -> None:
    folder = os.environ.get("PURSIGHT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


@pytest.fixture
def daphne(tmp_path_factory: Any) -> Iterator[str]:
    """A daphne process serving the ASGI application on the test database; its base URL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        require("PostgreSQL in DATABASE_URL (daphne serves the test database from its process)")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = closed_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pursight.settings.test",
        "DATABASE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PURSIGHT_FILE_SOURCE_ROOTS": str(tmp_path_factory.getbasetemp()),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    args = [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    app = [*args, "pursight.asgi:application"]
    with running_server(app, port=port, log=log, env=env, cwd=ROOT):
        yield f"http://127.0.0.1:{port}"
    errors = [line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line]
    assert not errors, log.read_text(errors="replace")[-4000:]


@pytest.fixture
def second_browser() -> Iterator[Any]:
    """Another headless Chromium (a second person), set up like the shared ``browser``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        require("Chromium and chromedriver (Debian packages chromium, chromium-driver)")
    profile = tempfile.mkdtemp(prefix="pursight-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1400,1100",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver), options=options)
    drv.implicitly_wait(2)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def team(make_user, make_collection, grant, make_source, shop_db) -> dict[str, Any]:
    from governance.scans import services as scans
    from pursight import permissions
    from racine.workspaces import services as ws_services

    collection = make_collection("Sales")
    alice, bob = make_user("alice"), make_user("bob")
    alice.first_name, alice.last_name = "Alice", "Martin"
    bob.first_name, bob.last_name = "Bob", "Okafor"
    for user in (alice, bob):
        user.set_password(PASSWORD)
        user.save()
        grant(user, "view_catalog", collection)
    grant(alice, "manage_datasources", collection)
    source = make_source(shop_db, collection=collection, name="shop")
    scans.default_scan(actor=None, source=source)
    ws = ws_services.create_workspace(
        actor=None, name="Customer data review", description="PII in the shop database."
    )
    ws_services.invite_member(actor=None, workspace=ws, user=alice, role="owner")
    ws_services.invite_member(actor=None, workspace=ws, user=bob, role="editor")
    ws_services.pin(actor=None, workspace=ws, target=source, note="Production copy")
    for user in (alice, bob):
        permissions.forget(user)
    return {"alice": alice, "bob": bob, "ws": ws, "source": source}


def _login(driver: Any, base: str, username: str, board: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/admin/login/?next={board}")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url.endswith(board))
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.ID, "wb-conn").get_attribute("data-state") == "live"
    )


def _until(driver: Any, check: Any, what: str, wait: float = WAIT) -> Any:
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        TimeoutException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    # The board re-renders its lists on every event: an element found a moment ago may be gone.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    try:
        return WebDriverWait(driver, wait, poll_frequency=0.1, ignored_exceptions=ignored).until(
            lambda d: check(d)
        )
    except TimeoutException:
        logs: list[str] = []
        with contextlib.suppress(Exception):  # the console is a clue, not the failure
            logs = [entry["message"] for entry in driver.get_log("browser")]
        with contextlib.suppress(Exception):
            logs.append(driver.execute_script(BOARD_STATE))
        raise AssertionError(f"timed out waiting for {what}; console: {logs}") from None


# Alice pins through the API from her page, as a client would: the change and its live events
# happen in daphne (this test process's channel layer is its own, in memory).
PIN = """
var done = arguments[arguments.length - 1];
var cfg = JSON.parse(document.getElementById("wb-config").textContent);
fetch("/api/v1/workspaces/" + cfg.workspace + "/pins/", {
  method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json", "X-CSRFToken": cfg.csrf},
  body: JSON.stringify({target_type: "catalog.catalogtable", target_id: arguments[0],
                        note: "Has e-mails"})
}).then(function (r) { done(r.status); }, function (e) { done(String(e)); });
"""


def _pin_table(driver: Any, team: dict[str, Any]) -> None:
    from governance.catalog.models import CatalogTable

    table = CatalogTable.objects.get(datasource=team["source"], name="customers")
    assert driver.execute_async_script(PIN, table.pk) == 201


def _notes(driver: Any) -> str:
    return driver.execute_script("return document.getElementById('wb-notes').value")


def test_two_people_on_one_board_see_each_other_live(browser, second_browser, daphne, team) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    alice_pk, bob_pk = team["alice"].pk, team["bob"].pk
    board = f"/admin/workspaces/workspace/{team['ws'].pk}/board/"
    alice, bob = browser, second_browser
    _login(bob, daphne, "bob", board)
    bob.execute_script("window.__notReloaded = true;")
    _login(alice, daphne, "alice", board)

    # Presence: Bob sees Alice arrive.
    _until(
        bob,
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#wb-here [data-user='{alice_pk}']"),
        "Alice's presence on Bob's board",
    )
    member = bob.find_element(By.CSS_SELECTOR, f"#wb-members [data-user='{alice_pk}']")
    assert member.get_attribute("data-presence") in ("active", "idle")
    _until(
        alice,
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#wb-here [data-user='{bob_pk}']"),
        "Bob's presence on Alice's board",
    )

    # A comment by Alice appears on Bob's board.
    alice.find_element(By.ID, "wb-comment-body").send_keys("Please check the **email** column.")
    alice.find_element(By.CSS_SELECTOR, "#wb-comment-form button[type=submit]").click()
    _until(
        bob,
        lambda d: "Please check the" in d.find_element(By.ID, "wb-threads").text,
        "Alice's comment on Bob's board",
    )
    assert bob.find_element(By.CSS_SELECTOR, "#wb-threads strong").text  # rendered Markdown

    # A scan started by Alice shows its progress on Bob's board.
    def runs(d: Any) -> set[str]:
        return {e.get_attribute("data-run") for e in d.find_elements(By.CSS_SELECTOR, ".wb-run")}

    before = _until(bob, lambda d: runs(d) or {""}, "the scan list on Bob's board")
    alice.find_element(By.CSS_SELECTOR, "#wb-scan-actions button").click()
    run_id = sorted(_until(bob, lambda d: runs(d) - before, "the new scan on Bob's board"))[0]
    _until(
        bob,
        lambda d: (
            "wb-run-succeeded"
            in d.find_element(By.CSS_SELECTOR, f".wb-run[data-run='{run_id}']").get_attribute(
                "class"
            )
        ),
        "the scan's progress to its end on Bob's board",
        wait=SCAN_WAIT,
    )
    _until(
        bob,
        lambda d: (
            d.find_element(
                By.CSS_SELECTOR, f".wb-run[data-run='{run_id}'] [role=progressbar]"
            ).get_attribute("aria-valuenow")
            == "100"
        ),
        "a full progress bar",
    )

    # A task Alice adds for Bob appears on his board.
    alice.find_element(By.ID, "wb-task-title").send_keys("Review the customers table")
    Select(alice.find_element(By.ID, "wb-task-assignee")).select_by_value(str(bob_pk))
    alice.find_element(By.CSS_SELECTOR, "#wb-task-form button[type=submit]").click()
    _until(
        bob,
        lambda d: "Review the customers table" in d.find_element(By.ID, "wb-tasks").text,
        "Alice's task on Bob's board",
    )
    # A table pinned now (its classifications suggested by the scan) reaches both boards.
    _pin_table(alice, team)
    for driver in (alice, bob):
        _until(
            driver,
            lambda d: d.find_elements(
                By.CSS_SELECTOR, "#wb-pins [data-type='catalog.catalogtable']"
            ),
            "the pinned table on the board",
        )
    for driver in (alice, bob):
        driver.execute_script("window.scrollTo(0, 0)")
    _shot(alice, "workspace-board")
    _shot(bob, "workspace-board-two-users")

    # Co-edited notes (PurSightCoedit, from the co-editing work).
    if not alice.execute_script("return !!window.PurSightCoedit"):
        assert bob.execute_script("return window.__notReloaded === true")
        pytest.skip("static/collaboration/coedit.js (PurSightCoedit) is not there yet")
    notes = alice.find_element(By.ID, "wb-notes")
    notes.click()
    notes.send_keys("Alice: emails are masked in reports.")
    _until(bob, lambda d: "emails are masked" in _notes(d), "Alice's note text on Bob's board")
    # Both type at the end of the same paragraph at once: both texts survive.
    bob_notes = bob.find_element(By.ID, "wb-notes")
    bob_notes.click()
    typing = [
        threading.Thread(target=notes.send_keys, args=(" A-one A-two A-three",)),
        threading.Thread(target=bob_notes.send_keys, args=(" B-one B-two B-three",)),
    ]
    for t in typing:
        t.start()
    for t in typing:
        t.join()
    for driver in (alice, bob):
        _until(
            driver,
            lambda d: all(w in _notes(d) for w in ("A-three", "B-three", "masked")),
            "both people's text in the notes",
        )
    assert _notes(alice) == _notes(bob)
    assert bob.execute_script("return window.__notReloaded === true")
    bob.execute_script("window.scrollTo(0, 0)")
    _shot(bob, "workspace-board-two-users")
