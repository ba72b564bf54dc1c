"""The lineage page in a real browser (headless Chromium): the vendored Cytoscape.js draws the
graph from the API without a console error (CSP: no inline script), hidden assets appear as
placeholders, a table expands to its columns, and an edge lists what lies behind it.
Screenshots go to $PURSIGHT_SHOTS when set (``lineage.png`` for docs/screenshots/).

Skipped, with the reason, where Chromium or its driver is missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest

from governance.catalog.models import ColumnClassification
from governance.classifications.models import Classification
from governance.lineage import propagation

from .test_graph_support import build_world, column, edge, make_table

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"


def _shot(browser, name: str) -> None:
    folder = os.environ.get("PURSIGHT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


@pytest.fixture
def steward(browser, live_server, make_collection, make_source, make_user, grant):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    w = build_world(make_collection, make_source, make_user, grant)
    t = w.tables
    # A little more warehouse around the view, for a picture worth looking at.
    t["orders"] = make_table(w.src_a, "orders", ["id", "customer_id", "total"])
    t["daily"] = make_table(w.src_a, "daily_revenue", ["day", "total"], schema="analytics")
    t["churn"] = make_table(w.src_a, "churn_scores", ["customer_id", "score"], schema="analytics")
    edge(t["orders"], t["v"], cols=("customer_id", "id"), ref="sales.public.v_customers")
    edge(t["v"], t["churn"], cols=("id", "customer_id"), origin="dbt", ref="model.shop.churn")
    edge(t["orders"], t["daily"], cols=("total", "total"), origin="dbt", ref="model.shop.daily")
    card = Classification.objects.get(code="CREDIT_CARD_NUMBER")
    col = column(t["raw"], "card")
    ColumnClassification.objects.create(
        column=col,
        datasource_id=col.datasource_id,
        classification=card,
        confidence=1.0,
        source="manual",
        status="accepted",
        sensitivity_label=card.default_label,
    )
    propagation.recompute_for_tables([t["raw"].pk])
    w.curator.set_password(PASSWORD)
    w.curator.save()
    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("curator")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: "/login/" not in b.current_url)
    return browser, w


def test_the_graph_draws_expands_and_explains(steward, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser, w = steward
    query = urlencode({"asset": w.tables["v"].qualified_name, "depth": 2})
    browser.get(f"{live_server.url}/admin/lineage/lineageedge/graph/?{query}")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#lineage-graph canvas"))
    wait.until(lambda b: "v_customers" in b.find_element(By.ID, "lineage-detail").text)
    status = browser.find_element(By.ID, "lineage-status").text
    assert "could not" not in status and "No such" not in status
    detail = browser.find_element(By.ID, "lineage-detail").text
    assert "sales.public.v_customers" in detail and "the asset you asked for" in detail
    # Expand the asset to its columns (the button in the side panel).
    browser.find_element(By.XPATH, "//button[normalize-space()='Show columns']").click()
    wait.until(lambda b: b.find_elements(By.XPATH, "//button[normalize-space()='Hide columns']"))
    counts = browser.execute_script(
        "var c = document.querySelector('#lineage-graph');"
        "return c ? c.querySelectorAll('canvas').length : 0;"
    )
    assert counts >= 1
    _shot(browser, "lineage")
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
        and "favicon" not in entry["message"]
        and "WebSocket" not in entry["message"]  # the live server speaks no WebSocket
    ]
    assert not errors, errors
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "other_secret" not in body and "vault" not in body
