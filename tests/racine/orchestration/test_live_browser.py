"""A workflow run's page in a real browser (headless Chromium), served by daphne (HTTP and the
live WebSocket): static/orchestration/workflowrun_live.js on the shared
static/pursight/live_run.js draws the run (state, steps finished, bar, DAG colours, timeline),
subscribes to it on /ws/live/, and follows it to its end without a reload when an approver
approves its waiting step from another tab.

daphne serves the test database, so this needs PostgreSQL (``DATABASE_URL``), like
tests/racine/test_two_users_browser.py, whose ``daphne`` fixture it uses.
"""

from __future__ import annotations

import pytest

from racine.orchestration import services
from tests.racine.test_two_users_browser import daphne  # noqa: F401  (the fixture)

from .conftest import noop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"
WAIT = 30


def test_the_run_page_follows_the_run_live_to_its_end(
    browser,
    daphne,  # noqa: F811
    admin_user,
    make_workflow,
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    admin_user.set_password(PASSWORD)
    admin_user.save()
    workflow = make_workflow(
        [
            noop("a"),
            {
                "key": "ok",
                "type": "approval",
                "params": {"approvers": [admin_user.pk]},
                "after": ["a"],
            },
            noop("b", "ok"),
        ]
    )
    run = services.start_run(actor=None, workflow=workflow)  # "a" runs, "ok" waits
    path = f"/admin/orchestration/workflowrun/{run.pk}/change/"
    page = f"{daphne}{path}"

    browser.get(f"{daphne}/admin/login/?next={path}")
    browser.find_element(By.NAME, "username").send_keys(admin_user.get_username())
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url == page)

    def part(name: str):
        return browser.find_element(By.CSS_SELECTOR, f'#workflowrun-live [data-live="{name}"]')

    def node(key: str) -> str:
        return browser.find_element(
            By.CSS_SELECTOR, f'#workflowrun-live .wf-node[data-step="{key}"]'
        ).get_attribute("data-state")

    wait = WebDriverWait(browser, WAIT)
    wait.until(lambda d: part("connection").text == "Live updates: on")
    assert part("state").text == "Running"
    assert part("count").text == "(1 of 3 steps finished)"
    assert part("fill").get_attribute("style") == "width: 33%;"
    assert part("bar").get_attribute("aria-valuenow") == "33"
    assert (node("a"), node("ok"), node("b")) == ("succeeded", "waiting", "pending")
    labels = browser.find_elements(By.CSS_SELECTOR, '[data-live="timeline"] .wf-label')
    assert [label.text for label in labels] == ["a", "ok", "b"]
    assert not part("reload").is_displayed()
    browser.execute_script("window.notReloaded = true;")
    first = browser.current_window_handle

    # The approver approves from another tab (a POST served by daphne, which runs the rest).
    browser.switch_to.new_window("tab")
    browser.get(page)
    browser.find_element(By.CSS_SELECTOR, '.wf-approval [name="decision"][value="approve"]').click()
    WebDriverWait(browser, WAIT).until(lambda d: "Decision recorded" in d.page_source)
    browser.close()
    browser.switch_to.window(first)

    wait.until(lambda d: part("state").text == "Succeeded")
    assert part("count").text == "(3 of 3 steps finished)"
    assert part("fill").get_attribute("style") == "width: 100%;"
    assert (node("a"), node("ok"), node("b")) == ("succeeded", "succeeded", "succeeded")
    assert part("connection").text == "Finished"
    assert part("reload").is_displayed()
    assert not part("error").is_displayed()
    assert browser.execute_script("return window.notReloaded === true;")  # never reloaded
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
