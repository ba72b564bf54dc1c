"""The browser binding (static/collaboration/coedit.js with the vendored Yjs) in headless
Chromium, on a standalone check page (``coedit_check/``) whose in-page stand-in speaks the
server's doc.* protocol: real key presses in two editors' textareas converge, a remote change
keeps the local caret, other people's carets and "X is editing (line n)" show, a viewer stays
read-only, edits typed offline merge on reconnection, and text typed before the binding
attached is kept. (The board with the real server:
tests/racine/test_two_users_browser.py.)

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``). Skipped,
with the reason, where they are missing.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser]

PAGE = Path(__file__).resolve().parent / "coedit_check" / "check.html"
WAIT = 10


def until(driver: Any, script: str, what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: never true ({script})")


def values(driver: Any) -> dict[str, str]:
    return driver.execute_script(
        "return {alice: document.getElementById('alice').value,"
        " bob: document.getElementById('bob').value,"
        " carol: document.getElementById('carol').value,"
        " server: harness.serverText()}"
    )


def converged(driver: Any, *words: str) -> dict[str, str]:
    checks = " && ".join(f"v.alice.includes({w!r})" for w in words) or "true"
    until(
        driver,
        "var v = {alice: document.getElementById('alice').value,"
        " bob: document.getElementById('bob').value,"
        " carol: document.getElementById('carol').value, server: harness.serverText()};"
        f" return v.alice === v.bob && v.bob === v.carol && v.carol === v.server && {checks};",
        f"all copies equal and holding {words}",
    )
    return values(driver)


def test_two_editors_type_at_once_and_a_viewer_follows(browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(PAGE.as_uri())
    until(browser, "return window.harness && harness.ready", "the page set up")
    until(
        browser,
        "return ['alice', 'bob', 'carol'].every(function (k) {"
        " var h = harness.handles[k]; return h.session && h.session.synced; })",
        "every copy synced",
    )
    flags = browser.execute_script(
        "return ['alice', 'bob', 'carol'].map(function (k) {"
        " return document.getElementById(k).readOnly; })"
    )
    assert flags == [False, False, True]
    assert values(browser)["alice"] == "Hello team."

    alice = browser.find_element(By.ID, "alice")
    bob = browser.find_element(By.ID, "bob")
    carol = browser.find_element(By.ID, "carol")
    alice.click()
    alice.send_keys(Keys.END, " Alice was here.")
    converged(browser, "Alice was here.")

    # Both type into the same paragraph at once: both texts survive, every copy agrees.
    bob.click()
    bob.send_keys(Keys.END)
    threads = [
        threading.Thread(target=alice.send_keys, args=(" A-one A-two A-three",)),
        threading.Thread(target=bob.send_keys, args=(" B-one B-two B-three",)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    text = converged(browser, "A-three", "B-three", "Alice was here.")["alice"]
    assert text.startswith("Hello team. Alice was here.")

    # A remote insertion before the caret moves it along; the local typist keeps typing in place.
    browser.execute_script(
        "var b = document.getElementById('bob'); b.focus();"
        " b.setSelectionRange(b.value.length, b.value.length);"
    )
    browser.execute_script(
        "var a = document.getElementById('alice'); a.focus(); a.setSelectionRange(0, 0);"
    )
    alice.send_keys("Top. ")
    converged(browser, "Top. Hello")
    caret = browser.execute_script(
        "var b = document.getElementById('bob'); return [b.selectionStart, b.value.length];"
    )
    assert caret[0] == caret[1]

    # Others' carets and the list of who is where.
    browser.execute_script("document.getElementById('alice').focus();")
    alice.send_keys(Keys.END, Keys.ENTER, "Second line")
    converged(browser, "Second line")
    until(
        browser,
        "return document.querySelector('#bob ~ .coedit-editors').textContent"
        ".includes('Alice is editing (line 2)')",
        "Bob's list shows where Alice is",
    )
    until(
        browser,
        "var c = document.querySelectorAll('#carol ~ .coedit-overlay .coedit-caret');"
        " return Array.prototype.some.call(c, function (n) { return n.textContent === 'Alice'; });",
        "Carol sees Alice's caret",
    )
    listed = browser.execute_script(
        "return document.querySelector('#alice ~ .coedit-editors').textContent"
    )
    assert "Carol is viewing" in listed

    # The viewer cannot type; what they would send is refused by the server anyway.
    before = values(browser)["carol"]
    carol.click()
    carol.send_keys("Carol's words")
    time.sleep(0.3)
    assert values(browser)["carol"] == before
    assert browser.execute_script("return harness.server.refused") == 0


def test_offline_edits_merge_on_reconnection(browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(PAGE.as_uri())
    until(
        browser,
        "return window.harness && harness.ready && harness.handles.bob.session"
        " && harness.handles.bob.session.synced && harness.handles.alice.session.synced",
        "synced",
    )
    alice = browser.find_element(By.ID, "alice")
    bob = browser.find_element(By.ID, "bob")
    browser.execute_script("harness.sockets.bob.disconnect();")
    bob.click()
    bob.send_keys(Keys.END, " Bob typed offline.")
    alice.click()
    alice.send_keys(Keys.HOME, "Alice online. ")
    until(
        browser,
        "return harness.serverText() === 'Alice online. Hello team.'",
        "Alice's edit reached the server while Bob is away",
    )
    assert values(browser)["bob"] == "Hello team. Bob typed offline."
    browser.execute_script("harness.sockets.bob.reconnect();")
    merged = converged(browser, "Alice online.", "Bob typed offline.")
    assert merged["server"] == "Alice online. Hello team. Bob typed offline."


def test_text_typed_before_the_binding_attached_is_kept(browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(PAGE.as_uri())
    until(
        browser,
        "return window.harness && harness.ready && harness.handles.alice.session"
        " && harness.handles.alice.session.synced",
        "synced",
    )
    alice = browser.find_element(By.ID, "alice")
    alice.click()
    alice.send_keys(Keys.HOME, "Meanwhile: ")
    until(browser, "return harness.serverText() === 'Meanwhile: Hello team.'", "Alice's edit")
    dana = browser.find_element(By.ID, "dana")  # rendered "Hello team.", not bound yet
    dana.click()
    dana.send_keys(Keys.END, " Dana was quick.")
    browser.execute_script("harness.attachLate('dana');")
    until(
        browser,
        "return harness.serverText() === 'Meanwhile: Hello team. Dana was quick.'"
        " && document.getElementById('dana').value === harness.serverText()"
        " && document.getElementById('alice').value === harness.serverText()",
        "Dana's early typing merged with Alice's edit",
    )
