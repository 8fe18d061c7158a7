"""The entries of the host registry, one per ``kind``, in the order the wizard shows them.

Sources for the OAuth endpoints: GitHub
https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps,
GitLab https://docs.gitlab.com/api/oauth2/#authorization-code-flow, Bitbucket Cloud
https://developer.atlassian.com/cloud/bitbucket/oauth-2/.

PKCE (``OAuthEndpoints.pkce``), per host:

* GitHub: yes, S256 only, for OAuth apps and GitHub Apps
  (https://github.blog/changelog/2025-07-14-pkce-support-for-oauth-and-github-app-authentication).
* GitLab (GitLab.com and self-managed): yes, "Authorization code with Proof Key for Code
  Exchange (PKCE)", recommended for server apps too
  (https://docs.gitlab.com/api/oauth2/#authorization-code-with-proof-key-for-code-exchange-pkce).
* Bitbucket Cloud: no. Its OAuth 2.0 page lists the grants it takes and PKCE is not
  among them (https://developer.atlassian.com/cloud/bitbucket/oauth-2/); the request
  for it is open (https://jira.atlassian.com/browse/BCLOUD-23469). Only Bitbucket Data
  Center has PKCE, and Gitbridge does not run OAuth for it.
* Azure DevOps through Microsoft Entra ID: yes, the auth code flow "paired with PKCE"
  for web apps too
  (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
"""

from __future__ import annotations

from app.git_hosts.azure_devops import AzureDevOpsProvider
from app.git_hosts.azure_devops_server import AzureDevOpsServerProvider
from app.git_hosts.bitbucket_cloud import BitbucketCloudProvider
from app.git_hosts.bitbucket_server import BitbucketServerProvider
from app.git_hosts.codecommit import CodeCommitProvider
from app.git_hosts.gerrit import GerritProvider
from app.git_hosts.github import GitHubEnterpriseProvider, GitHubProvider
from app.git_hosts.gitlab import GitLabProvider, GitLabSelfManagedProvider
from app.hosts import AWS_KEYS, TOKEN, USER_PASSWORD, Hints, Host, OAuthEndpoints
from app.hosts import webhook_steps as steps
from webhooks.hosts.azure_devops import AzureDevOpsReceiver
from webhooks.hosts.bitbucket_cloud import BitbucketCloudReceiver
from webhooks.hosts.bitbucket_server import BitbucketServerReceiver
from webhooks.hosts.codecommit import CodeCommitReceiver
from webhooks.hosts.gerrit import GerritReceiver
from webhooks.hosts.github import GitHubReceiver
from webhooks.hosts.gitlab import GitLabReceiver

GITHUB_LINKS = {"commit": "/commit/{sha}", "branch": "/tree/{name}",
                "tag": "/releases/tag/{name}"}
GITLAB_LINKS = {"commit": "/-/commit/{sha}", "branch": "/-/tree/{name}", "tag": "/-/tags/{name}"}
BITBUCKET_LINKS = {"commit": "/commits/{sha}", "branch": "/branch/{name}", "tag": "/src/{name}"}

GITHUB_HEADERS = ("X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID")
GITLAB_HEADERS = ("X-Gitlab-Event", "X-Gitlab-Event-UUID", "X-Gitlab-Instance")

GITHUB_TOKEN = (
    "A classic token with the repo scope (add admin:repo_hook for webhooks), or a "
    "fine-grained token with Contents, Metadata and Pull requests access (read and write "
    "to create branches and pull requests; Webhooks to create webhooks)."
)
GITHUB_USER_TOKEN = (
    "A classic token with the repo scope, or a fine-grained token with Contents and Pull "
    "requests read and write."
)
GITLAB_TOKEN = (
    "A personal, group or project access token with the api scope (read_api and "
    "read_repository are enough to only read)."
)
GITLAB_USER_TOKEN = (
    "A personal access token with the api scope (and at least the Developer role)."
)
GITHUB_OAUTH = OAuthEndpoints("/login/oauth/authorize", "/login/oauth/access_token",
                              "repo admin:repo_hook read:org", response_type=False,
                              app_prefix="GITBRIDGE_GITHUB", pkce=True)
GITLAB_OAUTH = OAuthEndpoints("/oauth/authorize", "/oauth/token", "api", response_type=True,
                              app_prefix="GITBRIDGE_GITLAB", pkce=True)
AZURE_TOKEN = (
    "A personal access token for All accessible organizations with Code (Read & write)."
)
AZURE_ADMIN_TOKEN = (
    "A personal access token for Organization: All accessible organizations, with Code "
    "(Read) or Code (Read & write) to create branches and pull requests, and Service Hooks "
    "(Read & write) for indexing triggers. The account needs at least Basic access."
)
AZURE_HEADERS = ("X-VSS-ActivityId", "X-VSS-SubscriptionId")
#: Web pages under a repository's ``webUrl`` (``.../_git/<repo>``).
AZURE_LINKS = {"commit": "/commit/{sha}", "branch": "?version=GB{name}", "tag": "?version=GT{name}"}
#: Microsoft Entra ID's authorization-code flow for Azure DevOps (the older Azure DevOps
#: OAuth takes no new apps): https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/entra-oauth
AZURE_OAUTH = OAuthEndpoints(
    "/authorize", "/token", "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access",
    response_type=True, app_prefix="GITBRIDGE_AZURE",
    authorize_root="https://login.microsoftonline.com/organizations/oauth2/v2.0", pkce=True)

HOSTS: tuple[Host, ...] = (
    Host(
        "github", "GitHub.com", ("pat", "oauth"), self_managed=False, webhook_mode=True,
        provider=GitHubProvider, receiver=GitHubReceiver, kept_headers=GITHUB_HEADERS,
        oauth=GITHUB_OAUTH, weblinks=GITHUB_LINKS,
        hints=Hints("GH", custom_api_path_example="/orgs/ACME/repos", token_help=GITHUB_TOKEN,
                    user_token_help=GITHUB_USER_TOKEN, webhook_title="On GitHub",
                    webhook_steps=tuple(steps.GITHUB)),
    ),
    Host(
        "github_enterprise", "GitHub Enterprise Server", ("pat",), self_managed=True,
        webhook_mode=True, provider=GitHubEnterpriseProvider, receiver=GitHubReceiver,
        kept_headers=GITHUB_HEADERS, weblinks=GITHUB_LINKS,
        hints=Hints("GHE", base_url_example="https://github.example.com",
                    custom_api_path_example="/orgs/ACME/repos", token_help=GITHUB_TOKEN,
                    user_token_help=GITHUB_USER_TOKEN,
                    webhook_title="On GitHub Enterprise Server",
                    webhook_steps=tuple(steps.GITHUB)),
    ),
    Host(
        "gitlab", "GitLab.com", ("pat", "oauth"), self_managed=False, webhook_mode=True,
        provider=GitLabProvider, receiver=GitLabReceiver, kept_headers=GITLAB_HEADERS,
        oauth=GITLAB_OAUTH, weblinks=GITLAB_LINKS, pull_request_term="merge request",
        hints=Hints("GL", custom_api_path_example="/groups/42/projects?include_subgroups=true",
                    token_help=GITLAB_TOKEN, user_token_help=GITLAB_USER_TOKEN,
                    webhook_title="On GitLab", webhook_steps=tuple(steps.GITLAB)),
    ),
    Host(
        "gitlab_self_managed", "GitLab CE/EE", ("pat", "oauth"), self_managed=True,
        webhook_mode=True,
        provider=GitLabSelfManagedProvider, receiver=GitLabReceiver,
        kept_headers=GITLAB_HEADERS, oauth=GITLAB_OAUTH, weblinks=GITLAB_LINKS,
        pull_request_term="merge request",
        hints=Hints("GL", base_url_example="https://gitlab.example.com",
                    custom_api_path_example="/groups/42/projects?include_subgroups=true",
                    token_help=GITLAB_TOKEN, user_token_help=GITLAB_USER_TOKEN,
                    webhook_title="On GitLab CE/EE", webhook_steps=tuple(steps.GITLAB)),
    ),
    Host(
        "bitbucket_cloud", "Bitbucket Cloud", ("basic", "oauth", "pat"), self_managed=False,
        webhook_mode=True, provider=BitbucketCloudProvider, receiver=BitbucketCloudReceiver,
        kept_headers=("X-Event-Key", "X-Request-UUID", "X-Hook-UUID"),
        oauth=OAuthEndpoints("/site/oauth2/authorize", "/site/oauth2/access_token", None,
                             response_type=True, basic_client_auth=True,
                             app_prefix="GITBRIDGE_BITBUCKET"),
        weblinks=BITBUCKET_LINKS,
        hints=Hints(
            "BB", custom_api_path_example="/repositories/WORKSPACE",
            password_label="App password",
            password_help="An app password with Account read, Repositories read, Pull "
            "requests read (write to create branches and pull requests) and Webhooks read "
            "and write.",
            user_token_help="An app password with Repositories write and Pull requests write.",
            webhook_title="On Bitbucket Cloud", webhook_steps=tuple(steps.BITBUCKET_CLOUD)),
    ),
    Host(
        "bitbucket_server", "Bitbucket Server / Data Center", ("pat", "basic"),
        self_managed=True, webhook_mode=True, provider=BitbucketServerProvider,
        receiver=BitbucketServerReceiver, kept_headers=("X-Event-Key", "X-Request-Id"),
        hints=Hints(
            "BBS", base_url_example="https://bitbucket.example.com",
            custom_api_path_example="/projects/KEY/repos",
            token_help="An HTTP access token with Repository read permission (write to "
            "create branches and pull requests, admin to create webhooks).",
            user_token_help="An HTTP access token with Repository write.",
            webhook_title="On Bitbucket Server / Data Center",
            webhook_steps=tuple(steps.BITBUCKET_SERVER)),
    ),
    Host(
        "azure_devops", "Azure DevOps", ("pat", "oauth"), self_managed=False,
        webhook_mode=True, provider=AzureDevOpsProvider, receiver=AzureDevOpsReceiver,
        kept_headers=AZURE_HEADERS, oauth=AZURE_OAUTH, weblinks=AZURE_LINKS,
        base_url_optional=True,
        hints=Hints("AZ", custom_api_path_example=None, token_help=AZURE_ADMIN_TOKEN,
                    user_token_help=AZURE_TOKEN, webhook_title="On Azure DevOps",
                    webhook_steps=tuple(steps.AZURE_DEVOPS)),
    ),
    Host(
        "azure_devops_server", "Azure DevOps Server / TFS", ("pat", "basic"),
        self_managed=True, webhook_mode=True, provider=AzureDevOpsServerProvider,
        receiver=AzureDevOpsReceiver, kept_headers=AZURE_HEADERS, weblinks=AZURE_LINKS,
        user_credentials=(TOKEN, USER_PASSWORD),
        hints=Hints(
            "TFS", base_url_example="https://tfs.example.com/tfs",
            custom_api_path_example=None,
            token_help=AZURE_ADMIN_TOKEN + " TFS 2013 and 2015 have no tokens: use the user "
            "name and password.",
            password_help="The user name without DOMAIN\\, and its password (TFS 2013/2015).",
            user_token_help=AZURE_TOKEN + " On TFS 2013/2015, your user name and password.",
            webhook_title="On Azure DevOps Server / TFS",
            webhook_steps=tuple(steps.AZURE_DEVOPS)),
    ),
    Host(
        "aws_codecommit", "AWS CodeCommit", ("aws",), self_managed=False, webhook_mode=True,
        provider=CodeCommitProvider, receiver=CodeCommitReceiver,
        kept_headers=("X-Amz-Sns-Message-Type", "X-Amz-Sns-Message-Id", "X-Amz-Sns-Topic-Arn"),
        user_credentials=(AWS_KEYS,),
        hints=Hints(
            "AWS", custom_api_path_example=None,
            token_help="An IAM access key pair. Reading needs codecommit:ListRepositories, "
            "BatchGetRepositories, GitPull, GetBranch, ListPullRequests, GetPullRequest and "
            "GetPullRequestApprovalStates; creating branches and pull requests "
            "CreateBranch, CreatePullRequest and GetDifferences; indexing triggers "
            "GetRepositoryTriggers, PutRepositoryTriggers and sns:CreateTopic, Subscribe, "
            "ConfirmSubscription, ListSubscriptionsByTopic, Unsubscribe, ListTopics, "
            "DeleteTopic. No separate git user is needed.",
            user_token_help="Your own IAM access key pair, allowed codecommit:GetBranch, "
            "CreateBranch, CreatePullRequest, GetDifferences and ListPullRequests.",
            webhook_title="On AWS CodeCommit", webhook_steps=tuple(steps.AWS_CODECOMMIT),
            webhook_mode_note="CodeCommit's triggers say which branches and tags moved, "
            "not which commits: webhook indexing shows branches and tags only."),
    ),
    Host(
        "gerrit", "Gerrit", ("basic",), self_managed=True, webhook_mode=True,
        provider=GerritProvider, receiver=GerritReceiver, user_credentials=(USER_PASSWORD,),
        weblinks=None, creates_pull_requests=False, pull_request_term="change",
        hints=Hints(
            "G", base_url_example="https://review.example.com", custom_api_path_example=None,
            password_label="HTTP password",
            password_help="The HTTP password Gerrit generates under Settings → HTTP "
            "Credentials (not your sign-in password).",
            user_token_help="Your Gerrit user name and HTTP password (Settings → HTTP "
            "Credentials).",
            webhook_title="On Gerrit (webhooks plugin)", webhook_steps=tuple(steps.GERRIT),
            webhook_manual="Install Gerrit's webhooks plugin (or give the account the "
            "Administrate Server capability), then Scan now; or add the remote by hand: "
            "url = the integration's URL with secret, maxTries = 3, in the project's "
            "webhooks.config on refs/meta/config.",
            pull_request_howto="Gerrit has no pull requests to create: push for review with "
            "git push origin HEAD:refs/for/<branch> (add %topic=<branch name> so the change "
            "shows on the issue)."),
    ),
    Host(
        "git", "Any git repository (clone URL)", ("none", "basic", "pat", "ssh"), self_managed=True,
        webhook_mode=False, kept_headers=("Webhook-Id", "Webhook-Timestamp", "Idempotency-Key"),
        hints=Hints("git", webhook_title="From a CI job or a server hook",
                    webhook_steps=tuple(steps.GIT)),
    ),
)


def _bind() -> None:
    """Each provider class takes its kind's auth types and self-managed flag from here."""
    for host in HOSTS:
        if host.provider is not None:
            assert host.provider.kind == host.kind, (host.provider, host.kind)
            host.provider.auth_types = host.auth_types
            host.provider.self_managed = host.self_managed


_bind()
