"""The steps an admin follows to add our webhook on each host, as the pages show them.

Each step is a list of parts: plain text, ``{"b": text}`` (bold: a screen or button
name), ``{"i": text}``, ``{"code": text}``, ``{"pre": text}`` (a snippet) or
``{"value": "url" | "secret" | "url_with_secret"}`` (a chip naming the integration's
webhook value shown beside the steps). Only what each host's own screens ask.
"""

from __future__ import annotations

from typing import Any

Step = list[Any]

URL = {"value": "url"}
SECRET = {"value": "secret"}
URL_WITH_SECRET = {"value": "url_with_secret"}

GITHUB: list[Step] = [
    ["In the repository (or the organization, for all its repositories): ",
     {"b": "Settings → Webhooks → Add webhook"}, "."],
    [{"b": "Payload URL"}, ": ", URL],
    [{"b": "Content type"}, ": ", {"code": "application/json"}, " (required)"],
    [{"b": "Secret"}, ": ", SECRET],
    [{"b": "Which events"}, ": ", {"i": "Let me select individual events"}, ", then ",
     {"b": "Pushes"}, " and ", {"b": "Pull requests"}, "."],
    ["Press ", {"b": "Add webhook"}, ". GitHub sends a ping, which shows under Recent deliveries."],
]

GITLAB: list[Step] = [
    ["In the project (or the group): ", {"b": "Settings → Webhooks → Add new webhook"}, "."],
    [{"b": "URL"}, ": ", URL],
    [{"b": "Secret token"}, ": ", SECRET],
    [{"b": "Trigger"}, ": ", {"b": "Push events"}, ", ", {"b": "Tag push events"}, " and ",
     {"b": "Merge request events"}, "."],
    ["Press ", {"b": "Add webhook"}, "."],
]

BITBUCKET_CLOUD: list[Step] = [
    ["In the repository: ", {"b": "Repository settings → Webhooks → Add webhook"}, "."],
    [{"b": "Title"}, ": Gitbridge; ", {"b": "URL"}, ": ", URL],
    [{"b": "Secret"}, ": ", SECRET],
    [{"b": "Triggers"}, ": ", {"i": "Choose from a full list of triggers"}, ": ",
     {"b": "Repository → Push"}, " (", {"code": "repo:push"}, ") and every ",
     {"b": "Pull Request"}, " event (created, updated, approved, merged, declined)."],
    ["Press ", {"b": "Save"}, "."],
]

BITBUCKET_SERVER: list[Step] = [
    ["In the repository: ", {"b": "Repository settings → Webhooks → Create webhook"}, "."],
    [{"b": "URL"}, ": ", URL],
    [{"b": "Secret"}, ": ", SECRET],
    [{"b": "Events"}, ": ", {"b": "Repository → Push"}, " (", {"code": "repo:refs_changed"},
     ") and the ", {"b": "Pull request"},
     " events (opened, source branch updated, modified, merged, declined, deleted)."],
    ["Press ", {"b": "Create"}, "."],
]

AZURE_DEVOPS: list[Step] = [
    ["In the project: ",
     {"b": "Project settings → Service hooks → + (Create subscription) → Web Hooks"}, "."],
    ["Create one subscription each for ", {"b": "Code pushed"}, ", ",
     {"b": "Pull request created"}, " and ", {"b": "Pull request updated"}, " (filters: Any)."],
    [{"b": "URL"}, ": ", URL],
    [{"b": "Basic authentication username"}, ": gitbridge (any name); ", {"b": "password"},
     ": ", SECRET],
    [{"b": "Resource details to send"}, ": All; ", {"b": "Messages to send"}, ": None."],
    ["Press ", {"b": "Test"}, ", then ", {"b": "Finish"}, "."],
]

GERRIT: list[Step] = [
    ["Install Gerrit's ", {"b": "webhooks"}, " plugin if it is not there yet."],
    ["Add a remote to the project's ", {"code": "webhooks.config"}, " (on ",
     {"code": "refs/meta/config"}, ", or on All-Projects for every project): ",
     {"pre": '[remote "gitbridge"]\n  url = <URL with secret>\n  maxTries = 3\n'
             "  sslVerify = true"}],
    ["Use the ", {"b": "URL with secret"}, ": ", URL_WITH_SECRET,
     " Gerrit cannot sign its requests, so this URL carries the secret: keep it private."],
]

AWS_CODECOMMIT: list[Step] = [
    ["In Amazon SNS, create a ", {"b": "Standard"}, " topic in the repository's region."],
    ["Add a subscription to it: protocol ", {"b": "HTTPS"}, ", endpoint ", URL_WITH_SECRET,
     " Gitbridge confirms the subscription by itself."],
    ["In CodeCommit: the repository → ", {"b": "Settings → Triggers → Create trigger"},
     ": events ", {"b": "All repository events"}, ", branches ", {"b": "All branches"},
     ", service ", {"b": "Amazon SNS"}, ", that topic."],
]

GIT: list[Step] = [
    ["After a push (a ", {"code": "post-receive"},
     " hook, or a CI job), POST the repository's clone URL to the webhook URL with the "
     "secret as a bearer token:"],
    [{"pre": "curl -fsS -X POST -H 'Authorization: Bearer <secret>' \\\n"
             "  -H 'Content-Type: application/json' \\\n"
             "  -d '{\"origin\": \"<clone URL>\"}' <webhook URL>"}],
    ["Gitbridge then fetches and indexes the repository at once instead of waiting for its "
     "next scheduled check."],
]
