"""Azure DevOps Server and Team Foundation Server (2015 and later): Azure Repos on a server.

Host notes:

* ``base_url`` is the server root with its virtual directory: ``https://ado.example.com``
  (Azure DevOps Server 2019+) or ``https://tfs.example.com/tfs`` (TFS). Its project
  collections are the scopes: every one the credentials see, or only the ``collection``
  setting's. Repositories are named ``collection/project/repository``.
* Auth: a PAT (TFS 2017 and later) as HTTP Basic without a user name, or user +
  password (HTTP Basic, as IIS takes it over https). TFS 2013/2015 have no personal
  access tokens, so a PAT is refused there with a message saying to use the user name
  and password.
* ``api-version``: servers refuse versions newer than their own with
  ``VssVersionOutOfRangeException`` ("The latest REST API version this server supports
  is 2.3"); the provider starts at ``preferred_version`` (Azure DevOps Server 2019) and
  steps down to what the server says it supports.
* Who the credentials are: ``_apis/connectionData`` (``authenticatedUser``); an
  anonymous answer means the credentials were not taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from app.git_hosts import errors
from app.git_hosts.azure_repos import AzureRepos, Scope
from app.git_hosts.base import Account, UserCredential
from app.http import ApiError

_SUPPORTED = re.compile(r"latest REST API version this server supports is (\d+\.\d+)", re.I)
#: The first version with personal access tokens (TFS 2017).
PAT_VERSION = (3, 0)


class AzureDevOpsServerProvider(AzureRepos):
    kind = "azure_devops_server"
    #: Azure DevOps Server 2019's version: drafts and every call used here.
    preferred_version: ClassVar[str] = "5.0"
    api_version = preferred_version

    def __init__(self, *, settings: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(settings=settings, **kwargs)
        collection = (settings or {}).get("collection")
        self.collection = collection.strip() if isinstance(collection, str) else None

    # -- version ----------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None, **params: Any
              ) -> requests.Response:
        """A server answers a version newer than its own with the one it supports: that
        one is used from then on, and the call made again."""
        try:
            return super()._call(method, path, body, **params)
        except ApiError as exc:
            match = _SUPPORTED.search(exc.body or "")
            if exc.status != 400 or not match or match.group(1) == self.api_version:
                raise
            self.api_version = match.group(1)
        return super()._call(method, path, body, **params)

    def _collections(self) -> list[dict[str, Any]]:
        """The server's collections (learning its API version on the way)."""
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/core/project-collections/list
        return list(self._get("/_apis/projectcollections").get("value") or [])

    def has_pats(self) -> bool:
        """TFS 2017 (REST 3.0) and later have personal access tokens."""
        self._collections()
        major, minor = (int(p) for p in self.api_version.split(".")[:2])
        return (major, minor) >= PAT_VERSION

    # -- credentials ------------------------------------------------------------------

    def _check_credentials(self) -> Account:
        # https://learn.microsoft.com/en-us/azure/devops/integrate/concepts/rest-api-versioning
        data = self._json(self.client.request("GET", "/_apis/connectionData"))
        user = data.get("authenticatedUser") or {}
        account = ((user.get("properties") or {}).get("Account") or {}).get("$value")
        who = f"{user.get('descriptor')} {user.get('providerDisplayName')}".lower()
        if not user or "anonymous" in who or "publicaccess" in who or not account:
            raise errors.WrongToken(
                "The server answered, but anonymously: it did not accept the credentials. "
                "Check the token (or the user name, without DOMAIN\\, and password).")
        if self.auth_type == "pat" and not self.has_pats():
            raise _no_pats(self.api_version)
        return Account(login=str(account or user.get("providerDisplayName") or user["id"]),
                       name=user.get("providerDisplayName") or user.get("customDisplayName"),
                       id=str(user.get("id") or "") or None, scopes=None)

    def check_user_token(self, token: UserCredential) -> Account:
        if isinstance(token, str) and not self.has_pats():
            raise _no_pats(self.api_version)
        return super().check_user_token(token)

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        return errors.WrongToken(
            "The server does not accept these credentials: check the personal access "
            "token (Code: Read & write), or the user name (without DOMAIN\\) and password.",
            status=401)

    # -- scopes -----------------------------------------------------------------------

    def scopes(self) -> Iterator[Scope]:
        names = sorted(str(c["name"]) for c in self._collections() if c.get("name"))
        if self.collection:
            if self.collection not in names:
                raise errors.InvalidSetting(
                    f"The server has no collection '{self.collection}' these credentials "
                    f"can see (it has: {', '.join(names) or 'none'}). Correct the collection "
                    "setting, or clear it to scan every collection.")
            names = [self.collection]
        for name in names:
            yield Scope(name, f"/{quote(name, safe='')}")


def _no_pats(version: str) -> errors.CredentialsError:
    return errors.WrongToken(
        f"This server (REST API {version}: TFS 2015 or older) has no personal access "
        "tokens. Enter your user name (without DOMAIN\\) and password instead.")


__all__ = ["AzureDevOpsServerProvider"]
