"""Empty change lists say why they are empty and how the first row comes, in plain English
(templates/unfold/helpers/empty_results.html)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_empty_workflow_list_says_how_to_get_one(admin_client) -> None:
    html = admin_client.get("/admin/orchestration/workflow/").content.decode()
    assert "No workflows yet" in html
    assert "docs/examples/nightly-governance.yaml" in html
    assert "yielded" not in html
    assert "Reset filters" not in html  # nothing to reset


def test_a_search_that_matches_nothing_says_so_and_offers_a_reset(admin_client) -> None:
    html = admin_client.get("/admin/orchestration/workflow/?q=nothing-like-this").content.decode()
    assert "Nothing matches" in html and "Reset filters" in html
    assert "docs/examples/nightly-governance.yaml" not in html


def test_other_empty_lists_get_the_plain_sentence(admin_client) -> None:
    html = admin_client.get("/admin/glossary/tagrule/").content.decode()
    assert "No tag rules yet" in html and "There are no tag rules you may see." in html


def test_the_header_offers_show_all_only_when_a_search_narrows_the_list(admin_client) -> None:
    """PurSight does not count a whole table per list (show_full_result_count = False): the
    header's "N results (Show all)" note is for narrowed lists, not for every list."""
    plain = admin_client.get("/admin/glossary/tagrule/").content.decode()
    assert "data-list-narrowed" not in plain and "Show all" not in plain
    searched = admin_client.get("/admin/glossary/tagrule/?q=nothing").content.decode()
    assert "data-list-narrowed" in searched and "0 results" in searched
    assert 'href="?">Show all</a>' in searched
    # Pages without a list (the home page, a form) have the same header, without the note.
    for page in ("/admin/", "/admin/glossary/tagrule/add/"):
        response = admin_client.get(page)
        assert response.status_code == 200 and b"data-list-narrowed" not in response.content
