"""Azure DevOps Services (REST 7.1); Azure DevOps Server / TFS is ``azure_devops_server.py``.

Host notes (https://learn.microsoft.com/en-us/rest/api/azure/devops/):

* Auth: a PAT goes as HTTP Basic with an empty user name; OAuth (Microsoft Entra ID)
  tokens as ``Authorization: Bearer``. A PAT must be created for **All accessible
  organizations**: the profile and accounts calls on ``app.vssps.visualstudio.com``
  refuse a token scoped to one organization, and without them the app cannot find the
  organizations. Git over https takes any user name and the token as password.
* A refused credential may answer 401, or 203 with the HTML sign-in page.
* Scopes (``scope.repositories``) are the organizations, each with its projects (listed
  with continuation tokens, ``x-ms-continuationtoken``) and their git repositories.
  Projects on TFVC have no git repositories and are noted, not indexed.
  Repositories are named ``organization/project/repository``.
* Errors: ``{"message": "TF401019: ...", "typeKey": "GitRepositoryNotFoundException"}``.
* Pull requests: ``searchCriteria.status=all``, paged with ``$top``/``$skip``; the API
  cannot sort or filter by last change, so every listing reads them all (as the vendor
  notes). States active/completed/abandoned; reviewers vote 10 (approved), 5 (approved
  with suggestions), 0, -5 (waiting for author), -10 (rejected).
* Branches are created with a ref update from the all-zero object id; the answer is 200
  with a per-ref ``success``/``updateStatus``.
* Webhooks are service-hook subscriptions (``webHooks`` consumer) for code pushed and
  pull request created/updated/merged, sending HTTP Basic with the webhook secret as the
  password (service hooks cannot sign); one repository's subscription ids are kept
  together, comma-separated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import quote

from app.git_hosts import errors
from app.git_hosts.azure_repos import AzureRepos, Scope
from app.git_hosts.base import Account
from app.http import ApiError


class AzureDevOpsProvider(AzureRepos):
    kind = "azure_devops"
    cloud_web_root = "https://dev.azure.com"
    cloud_api_root = "https://dev.azure.com"
    #: Profiles and accounts live on another origin.
    cloud_profile_root: ClassVar[str] = "https://app.vssps.visualstudio.com"
    _member_id: str | None = None

    @classmethod
    def roots_for(cls, base_url: str | None) -> tuple[str, str]:
        """``base_url`` is optional here: the organizations come from the credentials."""
        if base_url and base_url.strip():
            root = base_url.strip().rstrip("/")
            return root, root
        return cls.cloud_web_root, cls.cloud_api_root

    def _origins(self) -> tuple[str, ...]:
        return (self.cloud_profile_root,)

    def _check_credentials(self) -> Account:
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/profile/profiles/get
        try:
            me = self._json(self.client.request(
                "GET", f"{self.cloud_profile_root}/_apis/profile/profiles/me",
                params={"api-version": self.api_version}))
        except ApiError as exc:
            if exc.status == 401:
                raise self._unauthorized(exc, "") from exc
            raise
        self._member_id = str(me.get("id") or "")
        return Account(
            login=str(me.get("emailAddress") or me.get("publicAlias") or me.get("id") or ""),
            name=me.get("displayName"), id=self._member_id or None, scopes=None)

    def _unauthorized(self, exc: ApiError, said: str) -> errors.GitHostError:
        return errors.WrongToken(
            "Azure DevOps does not accept this token: it is wrong, expired or revoked, or "
            "it was created for one organization. Create a personal access token for "
            "Organization: All accessible organizations, with Code (Read & write), and "
            "enter it here.", status=401)

    def scopes(self) -> Iterator[Scope]:
        """The organizations the credentials' owner belongs to."""
        if not self._member_id:
            self._check_credentials()
        # https://learn.microsoft.com/en-us/rest/api/azure/devops/account/accounts/list
        body = self._json(self.client.request(
            "GET", f"{self.cloud_profile_root}/_apis/accounts",
            params={"memberId": self._member_id, "api-version": self.api_version}))
        names = sorted({str(a["accountName"]) for a in body.get("value") or []
                        if a.get("accountName")})
        for name in names:
            yield Scope(name, f"/{quote(name, safe='')}")


__all__ = ["AzureDevOpsProvider"]
