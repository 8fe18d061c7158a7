"""AWS CodeCommit, through the AWS SDK (boto3) with an access key pair and a region.

Host notes (https://docs.aws.amazon.com/codecommit/latest/APIReference/):

* Calls go through the SDK's standard endpoint resolution, so ``AWS_ENDPOINT_URL``,
  ``AWS_ENDPOINT_URL_CODECOMMIT`` and ``AWS_ENDPOINT_URL_SNS`` redirect them. There is
  no "who am I" in CodeCommit; the credentials are checked with ``ListRepositories``
  and known by their access key id. A refused call names the IAM action the key lacks.
* Repositories: names from ``ListRepositories`` (``nextToken``), metadata from
  ``BatchGetRepositories`` in batches of 25: JMESPath runs over those objects
  (``repositoryName``, ``defaultBranch``, ``Arn``...). No custom API path.
* Pull requests: ``ListPullRequests`` per status (OPEN, CLOSED) gives ids only, so each
  is read with ``GetPullRequest`` and the listing sorted by ``lastActivityDate``; CLOSED
  with ``mergeMetadata.isMerged`` is merged, else declined; approvals come from
  ``GetPullRequestApprovalStates`` (for changed pull requests only). No drafts.
* Git over HTTPS: SigV4-signed passwords made from the same keys (``codecommit_aws``).
* Indexing triggers: one SNS topic per integration (named from its webhook URL, so
  ``CreateTopic`` finds it again), an HTTPS subscription to the webhook URL carrying the
  secret (SNS cannot send headers), and a repository trigger on each connected
  repository (``PutRepositoryTriggers`` replaces the whole list, so others' triggers are
  kept). The topic, and with it the subscription, goes on disconnect. The app confirms
  the subscription with ``ConfirmSubscription`` when SNS asks. A regenerated secret
  means a new subscription (its endpoint changed); the old one is unsubscribed once the
  new one is confirmed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, quote, urlsplit

from app.git_hosts import errors
from app.git_hosts.auth import Auth, NoAuth
from app.git_hosts.base import (
    Account,
    HostBranch,
    HostPullRequest,
    HostRepository,
    Provider,
    Reviewer,
    UserCredential,
    parse_time,
)
from app.git_hosts.codecommit_aws import git_password, translate

log = logging.getLogger(__name__)
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: The repository trigger the app creates.
TRIGGER = "gitbridge"
BATCH = 25


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class CodeCommitProvider(Provider):
    kind = "aws_codecommit"
    pr_states: ClassVar[Mapping[str, str]] = {"OPEN": "open", "CLOSED": "declined"}
    pr_updated_field = "lastActivityDate"
    webhook_permission_hint = (
        "Indexing triggers need codecommit:GetRepositoryTriggers and "
        "PutRepositoryTriggers, and sns:CreateTopic, Subscribe, ListSubscriptionsByTopic, "
        "Unsubscribe and DeleteTopic."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.region = self.credentials.get("region", "").strip()
        if not _REGION.match(self.region):
            raise errors.InvalidSetting(
                f"'{self.region}' is not an AWS region; give the repositories' region, "
                "e.g. us-east-1 or eu-west-1.")
        self._clients: dict[str, Any] = {}

    # -- credentials and the SDK ------------------------------------------------------

    def user_auth_type(self, fields: Mapping[str, str]) -> str:
        return "aws"

    def _make_auth(self, auth_type: str, credentials: Mapping[str, str]) -> Auth:
        key, _ = self._require(credentials, "access_key_id", "secret_access_key")
        return NoAuth(key=key)  # the SDK signs its own requests

    def _as_user(self, user: UserCredential) -> Self:
        if isinstance(user, str):
            raise errors.WrongToken("CodeCommit takes your AWS access key id and secret "
                                    "access key, not a token.")
        clone = super()._as_user({**user, "region": self.region})
        clone._clients = {}
        return clone

    def _aws(self, service: str) -> Any:
        """An SDK client for ``service`` with these keys (created once)."""
        client = self._clients.get(service)
        if client is None:
            import boto3
            from botocore.config import Config

            session = boto3.session.Session(
                aws_access_key_id=self.credentials["access_key_id"],
                aws_secret_access_key=self.credentials["secret_access_key"],
                aws_session_token=self.credentials.get("session_token"),
                region_name=self.region)
            # A person waiting (the wizard) gets one attempt within the call timeout.
            config = Config(connect_timeout=self.timeout[0] if self.interactive else 10,
                            read_timeout=self.timeout[1],
                            retries={"mode": "standard",
                                     "max_attempts": 1 if self.interactive else 3},
                            user_agent_extra="gitbridge-for-jira")
            client = session.client(service, config=config, verify=self.ssl_verify)
            self._clients[service] = client
        return client

    @contextmanager
    def _translated(self, *, write: bool = False) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except errors.GitHostError:
            raise
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, write=write) from exc

    def _check_credentials(self) -> Account:
        self._aws("codecommit").list_repositories(sortBy="repositoryName")
        return Account(login=self.credentials["access_key_id"], name=None, scopes=None)

    def git_credentials(self, clone_url: str | None = None) -> dict[str, str]:
        if not clone_url:
            raise errors.InvalidSetting("CodeCommit signs git passwords per repository URL.")
        username = self.credentials["access_key_id"]
        if self.credentials.get("session_token"):
            username += "%" + self.credentials["session_token"]
        return {"username": username,
                "password": git_password(clone_url, self.region,
                                         self.credentials["secret_access_key"])}

    # -- repositories -----------------------------------------------------------------

    def _default_listing(self) -> tuple[str, dict[str, Any]]:
        return "", {}

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[Any]:
        if self.custom_api_path:
            raise errors.InvalidSetting("CodeCommit has no custom API path; use a JMESPath "
                                        "filter, e.g. [?starts_with(repositoryName, 'api-')].")
        client = self._aws("codecommit")
        names: list[str] = []
        token: str | None = None
        while True:
            page = client.list_repositories(sortBy="repositoryName", order="ascending",
                                            **({"nextToken": token} if token else {}))
            names += [r["repositoryName"] for r in page.get("repositories") or []]
            token = page.get("nextToken")
            if not token:
                break
        for start in range(0, len(names), BATCH):
            found = client.batch_get_repositories(repositoryNames=names[start: start + BATCH])
            yield found.get("repositories") or []

    def _console(self, name: str, tail: str = "browse") -> str:
        return (f"https://{self.region}.console.aws.amazon.com/codesuite/codecommit/"
                f"repositories/{quote(name, safe='')}/{tail}?region={self.region}")

    def _parse_repository(self, item: Mapping[str, Any]) -> HostRepository | None:
        name, clone = item.get("repositoryName"), item.get("cloneUrlHttp")
        if not isinstance(name, str) or not isinstance(clone, str):
            return None
        return HostRepository(name=name, clone_https=clone, clone_ssh=item.get("cloneUrlSsh"),
                              web_url=self._console(name).rsplit("/browse", 1)[0],
                              default_branch=item.get("defaultBranch"),
                              host_id=str(item.get("repositoryId") or name))

    # -- pull requests ----------------------------------------------------------------

    def _pull_request_ids(self, repo: HostRepository, status: str) -> Iterator[str]:
        client, token = self._aws("codecommit"), None
        while True:
            page = client.list_pull_requests(repositoryName=repo.name, pullRequestStatus=status,
                                             maxResults=100,
                                             **({"nextToken": token} if token else {}))
            yield from page.get("pullRequestIds") or []
            token = page.get("nextToken")
            if not token:
                return

    def _pull_request_items(
        self, repo: HostRepository, since: datetime | None
    ) -> Iterator[Mapping[str, Any]]:
        client = self._aws("codecommit")
        items = [client.get_pull_request(pullRequestId=ident)["pullRequest"]
                 for status in ("OPEN", "CLOSED") for ident in self._pull_request_ids(repo, status)]
        items.sort(key=lambda p: parse_time(p.get("lastActivityDate")) or datetime.min,
                   reverse=True)
        yield from items

    def _pull_request(self, repo: HostRepository, item: Mapping[str, Any],
                      approvals: bool = True) -> HostPullRequest:
        target = (item.get("pullRequestTargets") or [{}])[0]
        merged = bool((target.get("mergeMetadata") or {}).get("isMerged"))
        reviewers: tuple[Reviewer, ...] = ()
        if approvals and item.get("revisionId"):
            states = self._aws("codecommit").get_pull_request_approval_states(
                pullRequestId=item["pullRequestId"], revisionId=item["revisionId"])
            reviewers = tuple(Reviewer(_arn_name(a.get("userArn")), a.get("approvalState")
                                       == "APPROVE") for a in states.get("approvals") or [])
        number = str(item["pullRequestId"])
        return HostPullRequest(
            number=number, title=item.get("title") or "", description=item.get("description"),
            state=self.pr_state(item.get("pullRequestStatus"), merged=merged),
            source_branch=str(target.get("sourceReference") or "").removeprefix("refs/heads/"),
            target_branch=str(target.get("destinationReference") or "").removeprefix(
                "refs/heads/"),
            author=_arn_name(item.get("authorArn")), reviewers=reviewers,
            url=self._console(repo.name, f"pull-requests/{number}/details"),
            updated_at=parse_time(item.get("lastActivityDate")))

    # -- branches and pull requests ---------------------------------------------------

    def _tip(self, repo: HostRepository, branch: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            found = self._aws("codecommit").get_branch(repositoryName=repo.name,
                                                       branchName=branch)
        except ClientError as exc:
            if _code(exc) in ("BranchDoesNotExistException", "InvalidBranchNameException"):
                return None
            raise
        return str((found.get("branch") or {}).get("commitId") or "") or None

    def _create_branch(self, repo: HostRepository, name: str, source: str) -> HostBranch:
        from botocore.exceptions import ClientError

        sha = source if _SHA.match(source) else self._tip(repo, source)
        if sha is None:
            raise errors.SourceBranchUnknown(
                f"The branch '{source}' does not exist in {repo.name}.", status=404)
        try:
            self._aws("codecommit").create_branch(repositoryName=repo.name, branchName=name,
                                                  commitId=sha)
        except ClientError as exc:
            if _code(exc) == "BranchNameExistsException":
                raise errors.BranchExists(
                    f"A branch named '{name}' already exists in {repo.name}.") from exc
            if _code(exc) == "InvalidBranchNameException":
                raise errors.InvalidBranchName(
                    f"CodeCommit does not accept '{name}' as a branch name.") from exc
            if _code(exc) in ("CommitDoesNotExistException", "InvalidCommitIdException"):
                raise errors.SourceBranchUnknown(
                    f"'{source}' is not a commit of {repo.name}.") from exc
            raise
        return HostBranch(name=name, sha=sha,
                          url=self._console(repo.name, f"browse/refs/heads/{quote(name)}"))

    def _create_pull_request(
        self, repo: HostRepository, source: str, target: str, title: str, description: str
    ) -> HostPullRequest:
        client = self._aws("codecommit")
        for branch, missing in ((source, errors.SourceBranchUnknown),
                                (target, errors.TargetBranchUnknown)):
            if self._tip(repo, branch) is None:
                raise missing(f"The branch '{branch}' does not exist in {repo.name}.")
        for ident in self._pull_request_ids(repo, "OPEN"):
            pull = client.get_pull_request(pullRequestId=ident)["pullRequest"]
            (pr_target,) = pull.get("pullRequestTargets") or [{}]
            if (pr_target.get("sourceReference"), pr_target.get("destinationReference")) == (
                    f"refs/heads/{source}", f"refs/heads/{target}"):
                raise errors.PullRequestExists(
                    f"An open pull request from '{source}' into '{target}' already exists.")
        changed = client.get_differences(repositoryName=repo.name, MaxResults=1,
                                         beforeCommitSpecifier=target,
                                         afterCommitSpecifier=source)
        if not changed.get("differences"):
            raise errors.NothingToMerge(
                f"'{source}' has no changes that '{target}' lacks: nothing to merge.")
        created = client.create_pull_request(title=title[:150], description=description[:10240],
                                             targets=[{"repositoryName": repo.name,
                                                       "sourceReference": source,
                                                       "destinationReference": target}])
        return self._pull_request(repo, created["pullRequest"], approvals=False)

    # -- indexing triggers: one SNS topic, a trigger per repository -------------------

    @staticmethod
    def topic_name(url: str) -> str:
        return "gitbridge-" + hashlib.sha256(url.encode()).hexdigest()[:24]

    def _list_hooks(self, repo: HostRepository) -> Iterator[tuple[str, str]]:
        return iter(())  # the trigger is replaced by name in _create_hook

    def _create_hook(self, repo: HostRepository, url: str, secret: str) -> str:
        sns, codecommit = self._aws("sns"), self._aws("codecommit")
        topic = sns.create_topic(Name=self.topic_name(url))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", ReturnSubscriptionArn=True,
                      Endpoint=f"{url}?secret={quote(secret, safe='')}")
        triggers = [t for t in codecommit.get_repository_triggers(
            repositoryName=repo.name).get("triggers") or [] if t.get("name") != TRIGGER]
        codecommit.put_repository_triggers(repositoryName=repo.name, triggers=[*triggers, {
            "name": TRIGGER, "destinationArn": topic, "customData": "", "branches": [],
            "events": ["all"]}])
        return TRIGGER

    def _delete_hook(self, repo: HostRepository, hook_id: str) -> None:
        codecommit = self._aws("codecommit")
        triggers = codecommit.get_repository_triggers(repositoryName=repo.name).get(
            "triggers") or []
        kept = [t for t in triggers if t.get("name") != hook_id]
        if len(kept) != len(triggers):
            codecommit.put_repository_triggers(repositoryName=repo.name, triggers=kept)

    def remove_webhooks(self, url: str) -> None:
        """Delete the integration's topic (its subscriptions go with it)."""
        sns, token = self._aws("sns"), None
        with self._translated(write=True):
            while True:
                page = sns.list_topics(**({"NextToken": token} if token else {}))
                for topic in page.get("Topics") or []:
                    if topic["TopicArn"].rsplit(":", 1)[-1] == self.topic_name(url):
                        sns.delete_topic(TopicArn=topic["TopicArn"])
                token = page.get("NextToken")
                if not token:
                    return

    def confirm_subscription(self, topic_arn: str, subscribe_url: str) -> bool:
        """Confirm SNS's subscription through the SDK (its endpoint resolution), then
        retire the topic's other subscriptions to the same URL: after a regenerated
        secret they carry the old one, and go only now so no notification falls between
        the two. Failing that is logged: the new subscription delivers either way."""
        token = (parse_qs(urlsplit(subscribe_url).query).get("Token") or [""])[0]
        sns = self._aws("sns")
        with self._translated(write=True):
            confirmed = sns.confirm_subscription(TopicArn=topic_arn, Token=token).get(
                "SubscriptionArn", "")
        try:
            with self._translated(write=True):
                self._retire_others(sns, topic_arn, confirmed)
        except errors.GitHostError as exc:
            log.warning("git_hosts.codecommit.old_subscriptions_kept topic=%s code=%s",
                        topic_arn, exc.code)
        return True

    @staticmethod
    def _retire_others(sns: Any, topic_arn: str, confirmed: str) -> None:
        subscriptions: list[dict[str, Any]] = []
        token = None
        while True:
            page = sns.list_subscriptions_by_topic(
                TopicArn=topic_arn, **({"NextToken": token} if token else {}))
            subscriptions += page.get("Subscriptions") or []
            token = page.get("NextToken")
            if not token:
                break
        url = next((str(s.get("Endpoint") or "").split("?", 1)[0] for s in subscriptions
                    if s.get("SubscriptionArn") == confirmed), None)
        for old in subscriptions:
            arn = str(old.get("SubscriptionArn") or "")
            if (url and arn != confirmed and arn.startswith("arn:")  # not PendingConfirmation
                    and str(old.get("Endpoint") or "").split("?", 1)[0] == url):
                sns.unsubscribe(SubscriptionArn=arn)


def _arn_name(arn: Any) -> str:
    """``arn:aws:iam::123456789012:user/Mary_Major`` -> ``Mary_Major``."""
    return str(arn or "").rsplit("/", 1)[-1] or "unknown"


__all__ = ["CodeCommitProvider"]
