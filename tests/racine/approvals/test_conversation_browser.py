"""A request's conversation in two real Chromium sessions served by daphne (HTTP and the live
WebSocket): the reviewer asks "why?" under the request, the requester, on the same page, is
shown as here and answers; both read the thread; once decided, the box gives way to a notice.

Needs PostgreSQL (``DATABASE_URL``: daphne serves the test database from its own process).
The screenshot goes to $PURSIGHT_SHOTS when set (approval-conversation.png; the published one
is docs/screenshots/approval-conversation.png).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from governance.catalog import classifying
from governance.catalog.models import ColumnClassification
from pursight import changes
from racine.approvals.models import Status
from racine.collaboration.models import Comment
from tests.racine.test_two_users_browser import daphne, second_browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"
WAIT = 20


def _login(driver: Any, base: str, user: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(f"{base}/admin/login/?next=/admin/")
    driver.find_element(By.NAME, "username").send_keys(user.get_username())
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: "/login/" not in d.current_url)


def _post(driver: Any, text: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.CSS_SELECTOR, "#team textarea[name=body]")
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#team form.team-form button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: "Comment posted." in d.page_source)


def test_requester_and_reviewer_talk_on_the_review_page(
    browser,
    second_browser,  # noqa: F811
    daphne,  # noqa: F811
    world,
    policy,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    names = {"curator": ("Chloé", "Martin"), "steward": ("Samuel", "Okafor")}
    for username, (first, last) in names.items():
        user = getattr(world, username)
        user.first_name, user.last_name = first, last
        user.set_password(PASSWORD)
        user.save()
    policy()
    row = ColumnClassification.objects.get(pk=world.row.pk)
    result = classifying.accept_classification(actor=world.fresh(world.curator), classification=row)
    request = changes.pending_of(result).request
    url = f"{daphne}/admin/approvals/approvalrequest/{request.pk}/review/"

    reviewer, requester = browser, second_browser
    for driver in (reviewer, requester):
        driver.set_window_size(1400, 1700)
    _login(reviewer, daphne, world.steward)
    _login(requester, daphne, world.curator)
    reviewer.get(url)
    requester.get(url)
    # Each sees the other on the page (presence, over the live socket).
    for driver, other in ((reviewer, "Chloé Martin"), (requester, "Samuel Okafor")):
        WebDriverWait(driver, WAIT).until(
            lambda d, o=other: o in d.find_element(By.CSS_SELECTOR, "[data-team-here]").text
        )

    _post(reviewer, "Why **Email address** here? The column is named `email`, but is it ours?")
    # The requester is told without reloading that the conversation moved on.
    WebDriverWait(requester, WAIT).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-team-news]").is_displayed()
    )
    requester.get(url)
    assert "Why Email address here?" in requester.find_element(By.ID, "team").text
    _post(
        requester,
        "@steward yes: it holds our customers' contact addresses (checked 20 rows).",
    )
    assert Comment.objects.count() == 2
    reviewer.get(url)
    WebDriverWait(reviewer, WAIT).until(
        lambda d: "Chloé Martin" in d.find_element(By.CSS_SELECTOR, "[data-team-here]").text
    )
    team = reviewer.find_element(By.ID, "team").text
    assert "contact addresses" in team and "Why Email address here?" in team
    reviewer.find_element(By.ID, "approval-comment").send_keys("Thanks, that settles it.")
    folder = os.environ.get("PURSIGHT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        reviewer.save_screenshot(str(Path(folder) / "approval-conversation.png"))

    # Approved: the conversation stays readable, the comment box gives way to a notice.
    reviewer.find_element(By.CSS_SELECTOR, "#approval-decide button[value=approve]").click()
    WebDriverWait(reviewer, WAIT).until(lambda d: "the change is applied" in d.page_source)
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    closed = reviewer.find_element(By.CSS_SELECTOR, "[data-team-closed]").text
    assert "conversation is closed" in closed
    assert not reviewer.find_elements(By.CSS_SELECTOR, "#team textarea[name=body]")
