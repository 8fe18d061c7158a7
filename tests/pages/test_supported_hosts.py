"""The manage page's *Supported hosts* table is the host registry (``GET /api/v1/hosts``,
``app.hosts``), row for row: the same hosts the wizard offers, nothing kept by hand."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from app.hosts import HOSTS
from tests.pages.helpers import ADMIN, clean, page
from tests.support.browser import LiveServer
from tests.support.connect import ConnectActions

AUTH_LABELS = {"none": "None (public)", "basic": "Username and password", "pat": "Access token",
               "ssh": "SSH private key", "oauth": "OAuth", "aws": "AWS credentials"}


def test_the_table_matches_the_registry(browser: Any, connect: ConnectActions,
                                        site: tuple[str, str], live: LiveServer) -> None:
    listed = connect.api("GET", "/api/v1/hosts", *site, sub=ADMIN).get_json()["hosts"]
    assert [h["kind"] for h in listed] == [h.kind for h in HOSTS]
    s = page(browser, connect, site, live, "/pages/manage-repositories", ADMIN,
             viewport=(1200, 1600))
    try:
        p = s.page
        rows = p.locator("#gb-hosts tbody tr")
        expect(rows).to_have_count(len(HOSTS))
        table = [[cell.strip() for cell in row.locator("td").all_inner_texts()]
                 for row in rows.all()]
        expected = [[
            h["name"], h["kind"],
            "Host account" if h["account"] else "One repository by clone URL",
            ", ".join(AUTH_LABELS[t] for t in h["auth_types"]),
            "Yes" if h["webhook_mode"] else "No",
            ("Branches and " + h["pull_request_term"] + "s" if h["creates_pull_requests"]
             else "Branches") if h["account"] else "No",
        ] for h in listed]
        assert table == expected
        by_kind = {row[1]: row for row in table}
        # what the issue found contradicting the wizard: both are host accounts
        assert by_kind["azure_devops"][2] == by_kind["aws_codecommit"][2] == "Host account"
        assert by_kind["gerrit"][5] == "Branches"
        # the clone-URL form offers the sign-in choices the registry (and the API) has
        radios = p.locator("input[name='auth_type']")
        values = [radios.nth(i).get_attribute("value") for i in range(radios.count())]
        assert values == next(h["auth_types"] for h in listed if h["kind"] == "git")
        # the wizard's tiles are the same hosts
        tiles = p.locator("#gb-host-tiles")
        for host in listed:
            expect(tiles).to_contain_text(host["name"])
        p.locator("#gb-hosts").scroll_into_view_if_needed()
        s.screenshot("manage-supported-hosts")
        clean(s)
    finally:
        s.close()
