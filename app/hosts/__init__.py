"""The host registry: everything the app knows about a git host ``kind``, in one entry.

One ``Host`` per ``kind`` (``catalog.py``) says what the host is called, how it signs
in, whether the admin gives its URL, which class reads its API, which receiver reads
its webhooks (and which of their headers are kept), its OAuth endpoints, how its web
pages are laid out for links, and the hints the pages show. Every other table is read
from here: ``app.git_hosts.provider_for``, ``app.providers``, ``app.oauth``,
``app.config``'s OAuth apps, ``app.weblinks``, the webhook endpoint, and the pages
through ``GET /api/v1/hosts``. Adding a host is one provider module, one receiver
module and one entry (see ``docs/hosts.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.git_hosts.base import Provider
    from webhooks.hosts.base import Receiver


@dataclass(frozen=True)
class OAuthEndpoints:
    """How one host runs the OAuth flow; paths are relative to the host's web root."""

    authorize_path: str
    token_path: str
    #: Space-separated scopes asked for; ``None``: the OAuth consumer defines them.
    scope: str | None
    #: Whether the authorize URL carries ``response_type=code``.
    response_type: bool
    #: Client authentication at the token endpoint: HTTP Basic (else in the form).
    basic_client_auth: bool = False
    #: Prefix of the ``<PREFIX>_CLIENT_ID`` / ``_CLIENT_SECRET`` variables of its app.
    app_prefix: str = ""
    #: Absolute authorize/token URLs when they are not on the host's web root.
    authorize_root: str | None = None
    #: Whether the host takes PKCE (RFC 7636, S256): a challenge on the authorize URL,
    #: its verifier at the code exchange. Each entry cites the host's documentation.
    pkce: bool = False

    def authorize_url(self, web_root: str) -> str:
        return (self.authorize_root or web_root) + self.authorize_path

    def token_url(self, web_root: str) -> str:
        return (self.authorize_root or web_root) + self.token_path


@dataclass(frozen=True)
class Hints:
    """What the pages say about a host (wizard, user settings, webhook steps)."""

    monogram: str
    #: Placeholder of the Host URL field (self-managed hosts).
    base_url_example: str | None = None
    #: Placeholder of the custom API path; ``None``: the host has no custom API path.
    custom_api_path_example: str | None = "/path"
    #: What token to create, in the wizard.
    token_help: str = ""
    #: Label and help of the password field of ``basic`` auth.
    password_label: str = "Password"
    password_help: str = "With two-factor sign-in, use an access token as the password."
    #: What the user's own credential (Require User PAT) must be able to do.
    user_token_help: str = ""
    #: The webhook set-up steps (``webhook_steps.py``) and their title.
    webhook_title: str = ""
    webhook_steps: tuple[Any, ...] = ()
    #: Said on the issue panel where the host has no "create pull request".
    pull_request_howto: str | None = None
    #: What webhook indexing cannot show for this host, said where that mode is chosen.
    webhook_mode_note: str | None = None
    #: What to do by hand when the app could not create its webhook (else the generic
    #: steps: the URL, the secret, pushes and pull requests).
    webhook_manual: str | None = None


#: The forms of a user's own credential, in the contract's names (``PUT
#: /api/v1/me/tokens/{id}``): a token; a user name with its password as ``token`` (Gerrit's
#: HTTP password, TFS 2013/2015); an AWS key pair.
TOKEN: tuple[str, ...] = ("token",)
USER_PASSWORD: tuple[str, ...] = ("username", "token")
AWS_KEYS: tuple[str, ...] = ("access_key_id", "secret_access_key")


@dataclass(frozen=True)
class Host:
    kind: str
    name: str
    #: ``auth`` types (contract names) the integration accepts.
    auth_types: tuple[str, ...]
    #: True when the admin gives the host's web root (``base_url``).
    self_managed: bool
    #: Whether a webhook-indexing integration can be built from its deliveries.
    webhook_mode: bool
    hints: Hints
    #: The API provider; ``None``: no API (clone-only or webhook-only).
    provider: type[Provider] | None = None
    #: The webhook receiver; ``None`` (plain git): guessed from the request.
    receiver: type[Receiver] | None = None
    #: Headers of its deliveries kept with the stored delivery (never credentials).
    kept_headers: tuple[str, ...] = ()
    oauth: OAuthEndpoints | None = None
    #: Web page paths under a repository's web URL: ``commit``, ``branch``, ``tag``.
    weblinks: dict[str, str] | None = None
    #: Forms a user's own credential may take, each a tuple of field names.
    user_credentials: tuple[tuple[str, ...], ...] = (TOKEN,)
    #: What the host calls a pull request.
    pull_request_term: str = "pull request"
    #: Whether pull requests can be opened through the API (Gerrit: push for review).
    creates_pull_requests: bool = True
    #: A cloud host that takes a ``base_url`` too (Azure DevOps: another root).
    base_url_optional: bool = False

    @property
    def api(self) -> bool:
        """Connected as a host account through its API (else webhooks or one clone URL)."""
        return self.provider is not None

    def as_json(self, oauth_configured: bool = False) -> dict[str, Any]:
        """The API's view (``GET /api/v1/hosts``); ``oauth``: an OAuth app is set up."""
        hints = self.hints
        return {
            "kind": self.kind,
            "name": self.name,
            "auth_types": list(self.auth_types),
            "webhook_mode": self.webhook_mode,
            "self_managed": self.self_managed,
            "account": self.api,
            "oauth": bool(oauth_configured and self.oauth),
            "pull_request_term": self.pull_request_term,
            "creates_pull_requests": self.creates_pull_requests,
            "user_credentials": [list(form) for form in self.user_credentials],
            "hints": {
                "monogram": hints.monogram,
                "base_url_example": hints.base_url_example,
                "custom_api_path_example": hints.custom_api_path_example,
                "token_help": hints.token_help,
                "password_label": hints.password_label,
                "password_help": hints.password_help,
                "user_token_help": hints.user_token_help,
                "webhook_title": hints.webhook_title,
                "webhook_steps": list(hints.webhook_steps),
                "pull_request_howto": hints.pull_request_howto,
                "webhook_manual": hints.webhook_manual,
                "webhook_mode_note": hints.webhook_mode_note,
            },
        }


from app.hosts.catalog import HOSTS  # noqa: E402  (the entries need the classes above)

BY_KIND: dict[str, Host] = {h.kind: h for h in HOSTS}


def get(kind: str) -> Host | None:
    return BY_KIND.get(kind)


def is_service(kind: str) -> bool:
    """A git service the app talks to through its API (not a plain clone URL)."""
    host = BY_KIND.get(kind)
    return host is not None and host.api


def kept_headers() -> tuple[str, ...]:
    """Every header any host's deliveries need kept, common ones first."""
    names: dict[str, None] = dict.fromkeys(("Content-Type", "User-Agent"))
    for host in HOSTS:
        names.update(dict.fromkeys(host.kept_headers))
    return tuple(names)


def oauth_apps() -> dict[str, tuple[str, ...]]:
    """``{variable prefix: kinds}``: the OAuth apps an operator may configure."""
    apps: dict[str, tuple[str, ...]] = {}
    for host in HOSTS:
        if host.oauth is not None:
            apps[host.oauth.app_prefix] = (*apps.get(host.oauth.app_prefix, ()), host.kind)
    return apps


__all__ = [
    "AWS_KEYS",
    "BY_KIND",
    "HOSTS",
    "TOKEN",
    "USER_PASSWORD",
    "Hints",
    "Host",
    "OAuthEndpoints",
    "get",
    "is_service",
    "kept_headers",
    "oauth_apps",
]
