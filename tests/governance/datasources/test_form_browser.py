"""The data source form in a real browser (headless Chromium): the password box is drawn like
the other inputs (a visible border), and the password has one row, which tells whether one is
stored (issue 12).

``PURSIGHT_SCREENSHOT_DIR=docs/screenshots`` saves the form's connection part as
``datasource-form.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"


def _sign_in(browser, live_server, user) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(user.get_username())
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.current_url == f"{live_server.url}/admin/")


def _border(browser, element) -> tuple[str, str]:
    style = "const s = getComputedStyle(arguments[0]); return [s.borderTopWidth, s.borderTopStyle];"
    return tuple(browser.execute_script(style, element))


def test_the_password_box_has_a_border_and_one_row(
    browser, live_server, make_user, make_collection, grant, make_source
):
    from selenium.webdriver.common.by import By

    sales = make_collection("Sales")
    steward = make_user("steward")
    steward.set_password(PASSWORD)
    steward.save()
    grant(steward, "view_catalog", sales)
    grant(steward, "manage_datasources", sales)
    source = make_source(
        collection=sales,
        name="crm",
        kind="postgresql",
        host="crm.internal",
        database="crm",
        username="scanner",
        password="pa55-w0rd!",
    )
    _sign_in(browser, live_server, steward)
    browser.get(f"{live_server.url}/admin/datasources/datasource/{source.pk}/change/")

    box = browser.find_element(By.NAME, "password")
    username = browser.find_element(By.NAME, "username")
    assert box.get_attribute("type") == "password" and box.get_attribute("value") == ""
    width, style = _border(browser, box)
    assert style == "solid" and width != "0px", (width, style)
    assert _border(browser, box) == _border(browser, username)  # drawn like its neighbours
    labels = [
        label.text.strip()
        for label in browser.find_elements(By.CSS_SELECTOR, "#datasource_form label")
    ]
    assert labels.count("Password") == 1, labels
    assert "Remove the password" in labels
    rows = browser.find_element(By.ID, "datasource_form").text
    assert "Stored (encrypted): never shown." in rows
    assert "pa55-w0rd!" not in browser.page_source

    shots = os.environ.get("PURSIGHT_SCREENSHOT_DIR")
    if shots:
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        browser.save_screenshot(str(Path(shots) / "datasource-form.png"))


def test_a_source_without_password_says_so_and_offers_no_removal(
    browser, live_server, make_user, make_collection, grant, make_source, shop_db
):
    from selenium.webdriver.common.by import By

    sales = make_collection("Sales")
    steward = make_user("steward")
    steward.set_password(PASSWORD)
    steward.save()
    grant(steward, "view_catalog", sales)
    grant(steward, "manage_datasources", sales)
    source = make_source(shop_db, collection=sales, name="shop")
    _sign_in(browser, live_server, steward)
    browser.get(f"{live_server.url}/admin/datasources/datasource/{source.pk}/change/")
    form = browser.find_element(By.ID, "datasource_form").text
    assert "None stored yet." in form and "Remove the password" not in form
    assert "Last connection test\nNever tested." in form
