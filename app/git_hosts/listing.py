"""The admin's repository-listing settings: a custom API path and a JMESPath filter.

``custom_api_path`` is a path relative to the API root (``/orgs/acme/repos``); the forms
the vendor documents with the API prefix (``/api/v4/projects?...``) are accepted and the
prefix dropped. ``jmespath_filter`` runs over each page's raw list of the host's own
repository objects and must return repository objects.
"""

from __future__ import annotations

from typing import Any

import jmespath
import jmespath.exceptions

from app.git_hosts import errors

#: Longest custom API path / JMESPath expression accepted (the vendor's limit too).
MAX_SETTING_LENGTH = 2000


def check_custom_path(path: str | None, api_prefixes: tuple[str, ...] = ()) -> str | None:
    """The custom API path relative to the API root, or ``InvalidSetting``."""
    path = (path or "").strip()
    if not path:
        return None
    if len(path) > MAX_SETTING_LENGTH:
        raise errors.InvalidSetting(
            f"The custom API path is longer than {MAX_SETTING_LENGTH} characters."
        )
    if not path.startswith("/") or path.startswith("//") or "://" in path or "\\" in path:
        raise errors.InvalidSetting(
            "The custom API path must be a path on the host's API starting with '/', "
            "e.g. /orgs/acme/repos; it cannot name another host."
        )
    if any(seg == ".." for seg in path.split("?", 1)[0].split("/")):
        raise errors.InvalidSetting("The custom API path may not contain '..'.")
    for prefix in api_prefixes:
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix) :] or "/"
            break
    return path

def compile_filter(expression: str | None) -> Any:
    """The compiled JMESPath filter (``None`` for none), or ``InvalidSetting``."""
    if not expression:
        return None
    if len(expression) > MAX_SETTING_LENGTH:
        raise errors.InvalidSetting(
            f"The JMESPath filter is longer than {MAX_SETTING_LENGTH} characters."
        )
    try:
        return jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as exc:
        raise errors.InvalidSetting(
            f"The JMESPath filter is not valid: {str(exc).splitlines()[0][:200]}"
        ) from exc


def apply_filter(compiled: Any, items: list[Any]) -> list[Any]:
    """One page of the host's repository objects, kept as the filter says."""
    try:
        result = compiled.search(items)
    except jmespath.exceptions.JMESPathError as exc:
        raise errors.InvalidSetting(
            f"The JMESPath filter failed on the host's repository list: {exc}"
        ) from exc
    if result is None:
        return []
    if isinstance(result, dict):
        result = [result]
    if not isinstance(result, list) or not all(isinstance(x, dict) for x in result):
        raise errors.InvalidSetting(
            "The JMESPath filter must return a list of repository objects, e.g. "
            "[?contains(name, 'api')]; a projection such as [].name drops the fields "
            "the app needs."
        )
    return result
