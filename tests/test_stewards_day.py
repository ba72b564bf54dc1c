"""A steward's day in a real browser (headless Chromium, Django's live server): sign in, register
a source, test it, scan it, open the table page and accept a classification, search globally,
evaluate GDPR and move a finding to resolved, download a report; then a Data Reader on one
collection who sees only their collection, no button they cannot use, and no error anywhere
they can go.

Screenshots of the console's new pages go to ``docs/screenshots/`` (table-page.png, search.png,
home.png) when ``PURSIGHT_SCREENSHOTS=1``; to $PURSIGHT_SHOTS otherwise, when set.

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``); skipped,
with the reason, where they are missing.
"""

from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Long-pass-phrase-42"
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
# The HR source's name: in no shipped text (rules, info types), so any sight of it is a leak.
HIDDEN = "hr-vault-q7"


def shot(browser: Any, name: str) -> None:
    if os.environ.get("PURSIGHT_SCREENSHOTS") == "1":
        folder = DOCS_SHOTS
    elif os.environ.get("PURSIGHT_SHOTS"):
        folder = Path(os.environ["PURSIGHT_SHOTS"])
    else:
        return
    folder.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(folder / f"{name}.png"))


def page_says(browser: Any, text: str, timeout: float = 30) -> None:
    """Wait for the page a click leads to (the old page's elements go stale)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser, timeout).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), text)
        )
    except Exception:
        message = f"{text!r} not in {browser.current_url}: {body(browser)[:1500]}"
        raise AssertionError(message) from None


def body(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.TAG_NAME, "body").text


def sign_in(browser: Any, live_server: Any, username: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda b: "/login/" not in b.current_url)


def no_server_error(browser: Any) -> None:
    text = body(browser)
    assert "Server Error" not in text and "Traceback" not in text, text[:500]


def submit_form_with_button(browser: Any, label: str) -> None:
    from selenium.webdriver.common.by import By

    button = browser.find_element(
        By.XPATH, f"//form//button[@type='submit'][contains(normalize-space(.), '{label}')]"
    )
    button.click()


@pytest.fixture
def people(make_user, make_collection, make_source, shop_db, tmp_path, settings, grant_platform):
    """Sales (the steward's and the reader's) and HR (hidden from both, with its own source)."""
    import importlib

    from django.apps import apps

    from governance.compliance import builtins
    from governance.rbac import services
    from governance.rbac.models import Role

    # A transactional test empties the tables after each test: the built-in roles of the data
    # migration come back for the next one.
    importlib.import_module("governance.rbac.migrations.0003_builtin_roles").create_roles(
        apps, None
    )
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The steward evaluates GDPR by hand (and the in-memory SQLite of the tests locks a table
    # that a background evaluation writes while a page reads it).
    settings.PURSIGHT_COMPLIANCE_EVALUATE_AFTER_SCAN = False
    builtins.load_frameworks()
    sales, hr = make_collection("Sales"), make_collection("HR")
    # make_source allows the session's temporary directory as a file source root.
    make_source(shop_db, collection=hr, name=HIDDEN)
    steward = make_user("steward", staff=False)
    reader = make_user("reader", staff=False)
    for user in (steward, reader):
        user.set_password(PASSWORD)
        user.save()
    for slug in ("data-source-admin", "data-curator", "compliance-officer"):
        services.assign_role(
            actor=None, role=Role.objects.get(slug=slug), collection=sales, user=steward
        )
    # The steward is also the compliance officer: evaluating a framework over every source
    # needs the role platform-wide (the findings they see stay those of Sales).
    grant_platform(steward, "manage_compliance")
    services.assign_role(
        actor=None, role=Role.objects.get(slug="data-reader"), collection=sales, user=reader
    )
    shop = tmp_path / "crm.sqlite"
    shop.write_bytes(shop_db.read_bytes())
    return {"sales": sales, "hr": hr, "shop": shop}


def test_a_stewards_day(browser, live_server, people, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from governance.catalog.models import CatalogTable, ColumnClassification
    from governance.compliance.models import Finding, Framework
    from governance.datasources.models import DataSource

    # Sign in (no ?next=): the home page, not an index of models.
    sign_in(browser, live_server, "steward")
    assert urlsplit(browser.current_url).path == "/admin/"
    page_says(browser, "Your data sources")
    assert "No data source in your collections yet" in body(browser)
    assert HIDDEN not in body(browser)

    # Register a source (a SQLite file under the allowed roots).
    browser.find_element(By.PARTIAL_LINK_TEXT, "Register a data source").click()
    browser.find_element(By.NAME, "name").send_keys("crm")
    Select(browser.find_element(By.NAME, "kind")).select_by_value("sqlite")
    browser.find_element(By.NAME, "database").send_keys(str(people["shop"]))
    Select(browser.find_element(By.NAME, "collection")).select_by_visible_text("Sales")
    browser.find_element(By.CSS_SELECTOR, "button[name=_save][form=datasource_form]").click()
    page_says(browser, "was added successfully")
    source = DataSource.objects.get(name="crm")

    # Its page: test the connection, then scan it (each a POST button on the page).
    browser.get(f"{live_server.url}/admin/catalog/source/{source.pk}/")
    page_says(browser, "Nothing discovered yet")
    submit_form_with_button(browser, "Test connection")
    page_says(browser, "crm: Connected in")
    browser.get(f"{live_server.url}/admin/catalog/source/{source.pk}/")
    submit_form_with_button(browser, "Scan now")
    page_says(browser, "Scan run #")
    # The first scan of a process may train or load the classifier (minutes on a busy machine).
    deadline = time.monotonic() + 420
    while "Succeeded" not in body(browser):
        assert time.monotonic() < deadline, body(browser)[:2000]
        time.sleep(1)
        browser.refresh()
    no_server_error(browser)

    # The table page: accept the e-mail column's classification in one click.
    browser.get(f"{live_server.url}/admin/catalog/source/{source.pk}/")
    page_says(browser, "main.customers")
    browser.find_element(By.LINK_TEXT, "main.customers").click()
    page_says(browser, "from a sample of up to")
    table = CatalogTable.objects.get(datasource=source, name="customers")
    assert urlsplit(browser.current_url).path == f"/admin/catalog/catalogtable/{table.pk}/page/"
    row = ColumnClassification.objects.get(column__table=table, column__name="email")
    assert row.status == "suggested"
    shot(browser, "table-page")
    email = browser.find_element(By.CSS_SELECTOR, "tr[data-column='email']")
    email.find_element(By.XPATH, ".//button[normalize-space(.)='Accept']").click()
    page_says(browser, "Accepted: customers.email")
    row.refresh_from_db()
    assert row.status == "accepted" and row.decided_by.username == "steward"
    assert urlsplit(browser.current_url).path == f"/admin/catalog/catalogtable/{table.pk}/page/"

    # Search globally: "/" focuses the box, suggestions come, the arrows and Enter open one.
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    box = browser.switch_to.active_element
    assert box.get_attribute("name") == "q" and box.get_attribute("aria-label") == (
        "Search the catalog"
    )
    box.send_keys("full na")
    WebDriverWait(browser, 10).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#ps-suggestions a[role=option]")
    )
    first = browser.find_element(By.CSS_SELECTOR, "#ps-suggestions a[role=option]")
    assert "customers.full_name" in first.text
    box.send_keys(Keys.ARROW_DOWN)
    assert first.get_attribute("aria-selected") == "true"
    box.send_keys(Keys.ENTER)
    page_says(browser, "Classifications")
    assert "/admin/catalog/catalogcolumn/" in browser.current_url
    # Enter with nothing selected: the results page, with its facets.
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    box = browser.switch_to.active_element
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("customers" + Keys.ENTER)
    page_says(browser, "Tables and views")
    assert urlsplit(browser.current_url).path == "/admin/find/"
    for facet in ("Data source", "Collection"):
        assert facet in body(browser)
    assert HIDDEN not in body(browser)

    # Evaluate GDPR, then move a finding to resolved (through remediation).
    gdpr = Framework.objects.get(code="gdpr")
    browser.get(f"{live_server.url}/admin/compliance/framework/{gdpr.pk}/change/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Evaluate now").click()
    browser.find_element(By.CSS_SELECTOR, "#confirm-action [type=submit]").click()
    page_says(browser, "asset checks", timeout=120)
    finding = Finding.objects.filter(framework__code="gdpr", status="open").order_by("pk").first()
    assert finding is not None and finding.datasource_id == source.pk
    for action, status in (("start_remediation", "in_remediation"), ("resolve", "resolved")):
        browser.get(f"{live_server.url}/admin/compliance/finding/?status__exact={finding.status}")
        checkbox = browser.find_element(
            By.CSS_SELECTOR, f"input.action-select[value='{finding.pk}']"
        )
        checkbox.click()
        Select(browser.find_element(By.NAME, "action")).select_by_value(action)
        browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
        page_says(browser, "now")
        finding.refresh_from_db()
        assert finding.status == status, body(browser)[:1000]
    no_server_error(browser)

    # Download a report.
    framework = finding.framework
    browser.get(f"{live_server.url}/admin/compliance/framework/{framework.pk}/change/")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Report (CSV)").click()
    browser.find_element(By.CSS_SELECTOR, "#confirm-action [type=submit]").click()
    page_says(browser, "queued")
    deadline = time.monotonic() + 60
    while not browser.find_elements(By.LINK_TEXT, "Download"):
        assert time.monotonic() < deadline, body(browser)[:1000]
        time.sleep(1)
        browser.refresh()
    href = browser.find_element(By.LINK_TEXT, "Download").get_attribute("href")
    downloaded = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'})"
        ".then(r => r.text().then(t => done([r.status, r.headers.get('content-type'), t])))"
        ".catch(e => done([0, '', String(e)]));",
        href,
    )
    status, content_type, text = downloaded
    assert status == 200 and "csv" in content_type and "customers" in text, downloaded[:2]

    # Search again, now that there are findings: every type, with its facets.
    browser.get(f"{live_server.url}/admin/find/?q=email")
    page_says(browser, "Findings")
    text = body(browser)
    assert "customers.email" in text and "Personal data" in text and HIDDEN not in text
    shot(browser, "search")

    # The home page now: the source with its last scan, the review and the findings.
    browser.get(f"{live_server.url}/admin/")
    page_says(browser, "Waiting for your review")
    text = body(browser)
    assert "crm" in text and "succeeded" in text.lower() and "Open findings" in text
    assert HIDDEN not in text
    shot(browser, "home")


# Forms that act on one object (buttons of the asset pages and detail actions).
ACTING = re.compile(
    r"/\d+/(decide/\w+|classify|accept-suggestions|scan|test-connection|run|cancel|evaluate)/$"
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.forms.append(a.get("action") or "")


def test_a_data_reader_sees_only_their_collection_and_nothing_they_cannot_use(
    browser, live_server, people, make_source, scan_source
):
    import requests
    from selenium.webdriver.common.by import By

    from governance.compliance import services
    from governance.compliance.models import Framework

    crm = make_source(people["shop"], collection=people["sales"], name="crm")
    scan_source(crm)
    scan_source(_hidden_source())
    services.evaluate(actor=None, framework=Framework.objects.get(code="gdpr"))
    sign_in(browser, live_server, "reader")
    text = body(browser)
    assert "crm" in text and HIDDEN not in text and "Waiting for your review" not in text
    assert "Register a data source" not in text
    # No menu entry to pages a reader may not use.
    for entry in ("Role assignments", "Audit trail", "Register a data source"):
        assert not browser.find_elements(By.LINK_TEXT, entry), entry

    # Search: only Sales.
    browser.get(f"{live_server.url}/admin/find/?q=customers")
    assert "crm" in body(browser) and HIDDEN not in body(browser)

    # Walk every page reachable from the home page (by path), as the browser's session.
    session = requests.Session()
    for cookie in browser.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    start = f"{live_server.url}/admin/"
    queue, seen, pages = [start], set(), 0
    problems: list[str] = []
    while queue and pages < 160:
        url = queue.pop(0)
        key = urlsplit(url).path
        if key in seen:
            continue
        seen.add(key)
        response = session.get(url, allow_redirects=False)
        pages += 1
        if response.status_code >= 400 and response.status_code != 404:
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code != 200 or "html" not in response.headers.get("content-type", ""):
            continue
        html = response.text
        for marker in (HIDDEN, "HR</"):
            if marker in html:
                at = html.index(marker)
                problems.append(f"{url}: shows {marker!r}: …{html[at - 200 : at + 60]!r}")
        parser = _Links()
        parser.feed(html)
        for action in parser.forms:
            target = urlsplit(urljoin(url, action)).path
            if ACTING.search(target):
                problems.append(f"{url}: offers a form to {target}")
        for href in parser.links:
            link = urljoin(url, href)
            path = urlsplit(link).path
            if (
                urlsplit(link).netloc == urlsplit(start).netloc
                and path.startswith("/admin/")
                and not path.startswith(("/admin/logout", "/admin/password_change"))
                and path not in seen
            ):
                queue.append(link)
    assert pages > 25, pages
    assert not problems, "\n".join(problems)
    for path in (f"/admin/catalog/source/{crm.pk}/", "/admin/"):
        browser.get(f"{live_server.url}{path}")
        no_server_error(browser)
        assert not browser.find_elements(By.XPATH, "//button[contains(., 'Scan now')]")
        assert not browser.find_elements(By.XPATH, "//button[contains(., 'Test connection')]")


def _hidden_source() -> Any:
    from governance.datasources.models import DataSource

    return DataSource.objects.get(name=HIDDEN)
