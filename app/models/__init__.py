"""Data model. Everything a tenant owns hangs off ``Tenant`` with ON DELETE CASCADE,
so uninstalling removes it all in one statement."""

from app.models.base import TimestampMixin, as_utc, utcnow
from app.models.delivery import Delivery, DeliveryStatus
from app.models.index import (
    Branch,
    BranchKey,
    Commit,
    CommitKey,
    PullRequest,
    PullRequestKey,
    Tag,
)
from app.models.integration import DEFAULT_SETTINGS, Integration, IntegrationMode
from app.models.jira_sync import DevinfoDeletion, DevinfoEntity, DevinfoState, SmartCommitRun
from app.models.jira_wait import JiraWait
from app.models.oauth import OAuthGrant, OAuthStart
from app.models.replay import UsedToken
from app.models.repository import Repository, RepositoryStatus
from app.models.tenant import Platform, Tenant, TenantState
from app.models.user import UserSetting, UserToken

__all__ = [
    "DEFAULT_SETTINGS",
    "Branch",
    "BranchKey",
    "Commit",
    "CommitKey",
    "Delivery",
    "DeliveryStatus",
    "DevinfoDeletion",
    "DevinfoEntity",
    "DevinfoState",
    "Integration",
    "IntegrationMode",
    "JiraWait",
    "OAuthGrant",
    "OAuthStart",
    "Platform",
    "PullRequest",
    "PullRequestKey",
    "Repository",
    "RepositoryStatus",
    "SmartCommitRun",
    "Tag",
    "Tenant",
    "TenantState",
    "TimestampMixin",
    "UsedToken",
    "UserSetting",
    "UserToken",
    "as_utc",
    "utcnow",
]
