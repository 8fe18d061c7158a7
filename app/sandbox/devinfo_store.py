"""Jira's Development Information store (devinfo 0.10), as a stand-in site holds it:
the sandbox's Jira (``app.sandbox.jira_write``) and, with the documented schema on top
(``tests.support.fake_devinfo``), the tests' fake Atlassian.

It behaves as Jira documents: a bulk body is checked against the limits
(``app.devinfo.limits``: 100 repositories, 1,000 entities per request, 400 per type,
500 keys per entity, id characters; 400 for a malformed body, 413 for too many
entities) and the fields Jira requires; each entity is stored unless the
one held has a higher ``updateSequenceId``; keys of issues the site does not have come
back as ``unknownIssueKeys`` (the entity is still stored); entities a test marks as
refused come back in ``failedDevinfoEntities``; deletes take ``_updateSequenceId`` (only
what is at most that new goes) and ``bulkByProperties`` matches every property given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.devinfo import limits

PLURALS = {"commit": "commits", "branch": "branches", "pull_request": "pullRequests"}

Answer = tuple[int, Any]


def _errors(*messages: str) -> dict[str, Any]:
    return {"errorMessages": [{"message": m} for m in messages]}


class DevinfoStore:
    def __init__(self, known_key: Callable[[str], bool]) -> None:
        self.known_key = known_key
        #: repository id -> {"repository": header, "properties": {}, "commits": {id: entity}, ...}
        self.repositories: dict[str, dict[str, Any]] = {}
        #: Entity ids (any kind) to refuse, with the message Jira gives.
        self.refuse: dict[str, str] = {}

    # -- store --------------------------------------------------------------------------

    @staticmethod
    def malformed(body: Any) -> str | None:
        """What makes ``body`` not a bulk body Jira takes (its required fields), or None."""
        if not isinstance(body, dict) or not isinstance(body.get("repositories"), list):
            return "repositories: a list is required"
        if len(body["repositories"]) > limits.MAX_REPOSITORIES_PER_REQUEST:
            return "repositories: at most 100"
        for index, repository in enumerate(body["repositories"]):
            if not isinstance(repository, dict) or not all(
                    isinstance(repository.get(k), t) for k, t in
                    (("id", str), ("name", str), ("url", str), ("updateSequenceId", int))):
                return f"repositories/{index}: id, name, url and updateSequenceId are required"
            for plural in PLURALS.values():
                entities = repository.get(plural, [])
                if not isinstance(entities, list) or len(entities) > limits.MAX_ENTITIES_PER_TYPE:
                    return f"repositories/{index}/{plural}: a list of at most 400"
                for entity in entities:
                    keys = entity.get("issueKeys") if isinstance(entity, dict) else None
                    if not (isinstance(entity, dict) and isinstance(entity.get("id"), str)
                            and limits.ID_PATTERN.match(entity["id"])
                            and isinstance(entity.get("updateSequenceId"), int)
                            and isinstance(keys, list)
                            and 0 < len(keys) <= limits.MAX_ISSUE_KEYS):
                        return (f"repositories/{index}/{plural}: every entity needs an id, "
                                "an updateSequenceId and 1 to 500 issueKeys")
        return None

    @classmethod
    def refusal(cls, body: Any) -> Answer | None:
        """Jira's 400 or 413 for a body it does not take, else None."""
        problem = cls.malformed(body)
        if problem:
            return 400, _errors(problem[:500])
        repositories = body["repositories"]
        total = sum(len(r.get(p, [])) for r in repositories for p in PLURALS.values())
        if total == 0:
            return 400, _errors("No repositories or development information entities")
        if total > 1000:
            return 413, _errors("Submit fewer devinfo entities in each payload")
        if len({r["id"] for r in repositories}) != len(repositories):
            return 400, _errors("repositories must not contain duplicates")
        for repository in repositories:
            for plural in PLURALS.values():
                ids = [e["id"] for e in repository.get(plural, [])]
                if len(set(ids)) != len(ids):
                    return 400, _errors(f"{plural} must not contain duplicate entity IDs")
        return None

    def bulk(self, body: Any) -> Answer:
        refused = self.refusal(body)
        if refused is not None:
            return refused
        repositories = body["repositories"]
        self.accepting(body)
        accepted: dict[str, dict[str, list[str]]] = {}
        failed: dict[str, dict[str, list[Any]]] = {}
        unknown: set[str] = set()
        properties = dict(body.get("properties") or {})
        for repository in repositories:
            header = {k: v for k, v in repository.items() if k not in PLURALS.values()}
            held = self.repositories.setdefault(
                header["id"], {"repository": header, "properties": {}, "commits": {},
                               "branches": {}, "pullRequests": {}})
            if header["updateSequenceId"] >= held["repository"]["updateSequenceId"]:
                held["repository"] = header
            held["properties"].update(properties)
            for plural in PLURALS.values():
                for entity in repository.get(plural, []):
                    unknown.update(k for k in entity["issueKeys"] if not self.known_key(k))
                    if entity["id"] in self.refuse:
                        failed.setdefault(header["id"], {}).setdefault(plural, []).append(
                            {"id": entity["id"], **_errors(self.refuse[entity["id"]])})
                        continue
                    current = held[plural].get(entity["id"])
                    if current is None or entity["updateSequenceId"] >= current["updateSequenceId"]:
                        held[plural][entity["id"]] = {**entity, "_properties": properties}
                    accepted.setdefault(header["id"], {}).setdefault(plural, []).append(
                        entity["id"])
        answer: dict[str, Any] = {"acceptedDevinfoEntities": accepted}
        if failed:
            answer["failedDevinfoEntities"] = failed
        if unknown:
            answer["unknownIssueKeys"] = sorted(unknown)
        return 202, answer

    def accepting(self, body: dict[str, Any]) -> None:
        """A body passed the checks and is about to be stored (a hook for tests)."""

    # -- deletes ------------------------------------------------------------------------

    @staticmethod
    def _seq(query: dict[str, str]) -> int | None | str:
        value = query.get("_updateSequenceId")
        if value is None:
            return None
        return int(value) if value.isdigit() else "bad"

    def delete_repository(self, repository_id: str, query: dict[str, str]) -> Answer:
        seq = self._seq(query)
        if seq == "bad":
            return 400, _errors("_updateSequenceId must be a number")
        held = self.repositories.get(repository_id)
        if held is not None:
            for plural in PLURALS.values():
                held[plural] = {i: e for i, e in held[plural].items()
                                if seq is not None and e["updateSequenceId"] > seq}
            if not any(held[p] for p in PLURALS.values()):
                del self.repositories[repository_id]
        return 202, None

    def delete_entity(self, repository_id: str, kind: str, entity_id: str,
                      query: dict[str, str]) -> Answer:
        if kind not in PLURALS:
            return 400, _errors("Wrong entity type specified")
        seq = self._seq(query)
        if seq == "bad":
            return 400, _errors("_updateSequenceId must be a number")
        held = self.repositories.get(repository_id, {}).get(PLURALS[kind], {})
        entity = held.get(entity_id)
        if entity is not None and (seq is None or entity["updateSequenceId"] <= seq):
            del held[entity_id]
        return 202, None

    def delete_by_properties(self, query: dict[str, str]) -> Answer:
        seq = self._seq(query)
        wanted = {k: v for k, v in query.items() if k != "_updateSequenceId"}
        if not wanted or seq == "bad":
            return 400, _errors("give one or more properties (and a numeric _updateSequenceId)")
        for repository_id, held in list(self.repositories.items()):
            for plural in PLURALS.values():
                held[plural] = {
                    i: e for i, e in held[plural].items()
                    if not (all(e["_properties"].get(k) == v for k, v in wanted.items())
                            and (seq is None or e["updateSequenceId"] <= seq))}
            if not any(held[p] for p in PLURALS.values()):
                del self.repositories[repository_id]
        return 202, None

    # -- what Jira's panel shows ----------------------------------------------------------

    def issue(self, key: str) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
        """(repository id, entity id) -> entity, per kind, of what is linked to ``key``."""
        found: dict[str, dict[tuple[str, str], dict[str, Any]]] = {p: {} for p in PLURALS.values()}
        for repository_id, held in self.repositories.items():
            for plural in PLURALS.values():
                for entity_id, entity in held[plural].items():
                    if key in entity["issueKeys"]:
                        found[plural][(repository_id, entity_id)] = entity
        return found

    def count(self, plural: str) -> int:
        return sum(len(held[plural]) for held in self.repositories.values())
