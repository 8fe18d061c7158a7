"""What ``app.connect.qsh`` adds to ``atlassian_jwt``: the base path, and the paths the
library's ``urlparse`` would read unlike Atlassian's reference canonicaliser."""

from __future__ import annotations

from atlassian_jwt.url_utils import hash_url

from app.connect.qsh import canonical_request, qsh, qsh_for_url


def test_plain_requests_hash_exactly_as_the_library_does() -> None:
    for path, query in [("/test", "b=2&a=1&a=0"), ("/rest/api/3/issue/ABC-1", ""),
                        ("/x", "jwt=abc&q=a+b")]:
        url = path + ("?" + query if query else "")
        assert qsh("GET", path, query) == hash_url("GET", url)


def test_base_path_is_stripped_once_and_only_as_a_whole_segment() -> None:
    assert canonical_request("GET", "/base/test", "a=1", "/base/") == "GET&/test&a=1"
    assert canonical_request("GET", "/base", "", "/base") == "GET&/&"
    assert canonical_request("GET", "/basement/x", "", "/base") == "GET&/basement/x&"
    assert qsh_for_url("POST", "https://site.example/jira/rest/x?b=1", "/jira") == hash_url(
        "POST", "/rest/x?b=1"
    )


def test_jwt_repeated_blank_and_empty_queries() -> None:
    assert canonical_request("GET", "/a", "jwt=t.o.k&z=1") == "GET&/a&z=1"
    assert canonical_request("GET", "/a", "jwt=t.o.k") == "GET&/a&"
    assert canonical_request("GET", "/a", "") == "GET&/a&"
    assert canonical_request("GET", "/a", "x=2&x=10&x=&x") == "GET&/a&x=,,10,2"
    assert canonical_request("GET", "/a", "JWT=1") == "GET&/a&JWT=1"  # only ``jwt`` is dropped


def test_a_colon_in_the_first_segment_is_not_read_as_a_scheme() -> None:
    # Bare, the library would hash "/foo:bar" as "/bar", so a token for one would open both.
    assert hash_url("GET", "/foo:bar") == hash_url("GET", "/bar")
    assert canonical_request("GET", "/foo:bar", "x=1") == "GET&/foo:bar&x=1"
    assert qsh("GET", "/foo:bar") != qsh("GET", "/bar")


def test_an_ampersand_after_a_semicolon_is_escaped_like_the_rest_of_the_path() -> None:
    # The reference escapes every "&" in the path so it cannot pose as the separator.
    assert canonical_request("GET", "/x;y&z", "") == "GET&/x;y%26z&"
    assert canonical_request("GET", "/p&q", "") == "GET&/p%26q&"
