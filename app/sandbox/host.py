"""A stand-in git host for the sandbox's example repositories, shaped like GitHub
Enterprise Server (REST v3 under ``/dev/github/api/v3``, docs.github.com 2022-11-28), so
the app connects them through its real GitHub provider: credentials check, repository
listing, pull requests with reviews, webhooks it creates, branches and pull requests
created from an issue. When a branch or pull request is created here, the host sends
GitHub's signed ``push``/``pull_request`` delivery to every hook of the repository, so
the change reaches the app through its real webhook pipeline.

Its state (token, pull requests, hooks) is a JSON file in ``SANDBOX_DIR``; git data is
the example repositories themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from app.indexing.gitcli import run_git
from app.sandbox import examples, install
from app.sandbox.guard import loopback_only

bp = Blueprint("sandbox_host", __name__, url_prefix="/dev/github")
bp.before_request(loopback_only)
OWNER = "sandbox"
_lock = threading.Lock()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _path() -> Path:
    return install.state().dir / "host.json"


def load() -> dict[str, Any]:
    path = _path()
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text())
        return data
    data = {"token": "ghp_sandbox" + secrets.token_hex(16), "next_id": 100, "hooks": {},
            "pulls": {"alpha-web": [
                {"number": 1, "title": "ABC-3 Password reset by email", "state": "open",
                 "head": "feature/ABC-3-password-reset", "base": "main", "user": "sam",
                 "body": "Sends a reset link; links expire after an hour.", "merged": False,
                 "draft": False, "reviews": [{"user": "ada", "state": "APPROVED"}],
                 "requested": ["dev"], "updated_at": _now()},
                {"number": 2, "title": "ABC-4 Login form on small screens", "state": "closed",
                 "head": "bugfix/ABC-4-small-screens", "base": "main", "user": "sam",
                 "body": "", "merged": True, "draft": False,
                 "reviews": [{"user": "dev", "state": "APPROVED"}], "requested": [],
                 "updated_at": _now()}]}}
    save(data)
    return data


def save(data: dict[str, Any]) -> None:
    _path().parent.mkdir(parents=True, exist_ok=True)
    _path().write_text(json.dumps(data, indent=2))


def web_root() -> str:
    return current_app.config["BASE_URL"] + "/dev/github"


def _repos() -> examples.Repositories:
    return examples.Repositories(install.state().repos_dir)


def _repo_json(name: str) -> dict[str, Any]:
    return {"id": 1000 + list(examples.EXAMPLES).index(name), "name": name,
            "full_name": f"{OWNER}/{name}", "private": False, "archived": False,
            "clone_url": f"{current_app.config['BASE_URL']}/dev/git/sandbox/{name}.git",
            "html_url": f"{web_root()}/{OWNER}/{name}", "default_branch": "main",
            "owner": {"login": OWNER}}


def _error(message: str, status: int, **extra: Any) -> Response:
    response = jsonify({"message": message, "documentation_url": "https://docs.github.com/rest",
                        **extra})
    response.status_code = status
    return response


@bp.before_request
def authenticate() -> Response | None:
    if not request.path.startswith("/dev/github/api/v3/"):
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token:
        return _error("Requires authentication", 401)
    if not hmac.compare_digest(token.strip(), load()["token"]):
        return _error("Bad credentials", 401)
    return None


@bp.after_request
def scopes(response: Response) -> Response:
    if request.path.startswith("/dev/github/api/v3/"):
        response.headers["X-OAuth-Scopes"] = "repo, admin:repo_hook"
    return response


@bp.get("/api/v3/user")
def user() -> Any:
    return {"login": "sandbox-bot", "id": 1, "name": "Sandbox bot"}


@bp.get("/api/v3/user/repos")
def user_repos() -> Any:
    for name in examples.EXAMPLES:
        _repos().ensure_example(name)
    return jsonify([_repo_json(n) for n in examples.EXAMPLES])


def _git_dir(owner: str, repo: str) -> Path | None:
    return _repos().git_dir(repo) if owner == OWNER and repo in examples.EXAMPLES else None


def _sha(git_dir: Path, branch: str) -> str | None:
    result = run_git(["rev-parse", "--verify", "--quiet", "--end-of-options",
                      f"refs/heads/{branch}^{{commit}}"], git_dir=git_dir, check=False)
    return result.stdout.decode().strip() or None


def _pull_json(owner: str, repo: str, pr: dict[str, Any]) -> dict[str, Any]:
    return {"number": pr["number"], "title": pr["title"], "body": pr["body"],
            "state": pr["state"], "draft": pr["draft"],
            "merged_at": pr["updated_at"] if pr["merged"] else None,
            "user": {"login": pr["user"]}, "updated_at": pr["updated_at"],
            "head": {"ref": pr["head"]}, "base": {"ref": pr["base"]},
            "requested_reviewers": [{"login": r} for r in pr["requested"]],
            "html_url": f"{web_root()}/{owner}/{repo}/pull/{pr['number']}"}


@bp.get("/api/v3/repos/<owner>/<repo>/pulls")
def list_pulls(owner: str, repo: str) -> Any:
    if _git_dir(owner, repo) is None:
        return _error("Not Found", 404)
    pulls = sorted(load()["pulls"].get(repo, []), key=lambda p: p["updated_at"], reverse=True)
    return jsonify([_pull_json(owner, repo, p) for p in pulls])


@bp.get("/api/v3/repos/<owner>/<repo>/pulls/<int:number>/reviews")
def list_reviews(owner: str, repo: str, number: int) -> Any:
    pr = next((p for p in load()["pulls"].get(repo, []) if p["number"] == number), None)
    if pr is None:
        return _error("Not Found", 404)
    return jsonify([{"user": {"login": r["user"]}, "state": r["state"]} for r in pr["reviews"]])


@bp.get("/api/v3/repos/<owner>/<repo>/git/ref/heads/<path:branch>")
def get_ref(owner: str, repo: str, branch: str) -> Any:
    git_dir = _git_dir(owner, repo)
    sha = _sha(git_dir, branch) if git_dir else None
    if sha is None:
        return _error("Not Found", 404)
    return {"ref": f"refs/heads/{branch}", "object": {"sha": sha, "type": "commit"}}


@bp.post("/api/v3/repos/<owner>/<repo>/git/refs")
def create_ref(owner: str, repo: str) -> Any:
    git_dir = _git_dir(owner, repo)
    body = request.get_json(silent=True) or {}
    ref, sha = str(body.get("ref") or ""), str(body.get("sha") or "")
    if git_dir is None:
        return _error("Not Found", 404)
    check = run_git(["check-ref-format", ref], check=False)
    if not ref.startswith("refs/heads/") or check.returncode != 0:
        return _error("Reference name is not a valid ref", 422)
    created = run_git(["update-ref", ref, sha, ""], git_dir=git_dir, check=False)
    if created.returncode != 0:
        return _error("Reference already exists", 422)
    _deliver(repo, "push", {"ref": ref, "before": "0" * 40, "after": sha, "created": True,
                            "deleted": False, "forced": False, "commits": []})
    return jsonify({"ref": ref, "object": {"sha": sha, "type": "commit"}}), 201


@bp.post("/api/v3/repos/<owner>/<repo>/pulls")
def create_pull(owner: str, repo: str) -> Any:
    git_dir = _git_dir(owner, repo)
    body = request.get_json(silent=True) or {}
    head, base = str(body.get("head") or ""), str(body.get("base") or "")
    if git_dir is None:
        return _error("Not Found", 404)
    for field, branch in (("head", head), ("base", base)):
        if _sha(git_dir, branch) is None:
            return _error("Validation Failed", 422, errors=[
                {"resource": "PullRequest", "field": field, "code": "invalid"}])
    ahead = run_git(["rev-list", "--count", f"refs/heads/{base}..refs/heads/{head}"],
                    git_dir=git_dir).stdout.decode().strip()
    with _lock:
        data = load()
        pulls = data["pulls"].setdefault(repo, [])
        if ahead == "0":
            return _error("Validation Failed", 422, errors=[
                {"resource": "PullRequest", "code": "custom",
                 "message": f"No commits between {base} and {head}"}])
        if any(p["head"] == head and p["base"] == base and p["state"] == "open" for p in pulls):
            return _error("Validation Failed", 422, errors=[
                {"resource": "PullRequest", "code": "custom",
                 "message": f"A pull request already exists for {OWNER}:{head}."}])
        pr = {"number": max([p["number"] for p in pulls] or [0]) + 1,
              "title": str(body.get("title") or head), "body": str(body.get("body") or ""),
              "state": "open", "head": head, "base": base, "user": "sandbox-bot",
              "merged": False, "draft": False, "reviews": [], "requested": [],
              "updated_at": _now()}
        pulls.append(pr)
        save(data)
    answer = _pull_json(owner, repo, pr)
    _deliver(repo, "pull_request", {"action": "opened", "number": pr["number"],
                                    "pull_request": answer})
    return jsonify(answer), 201


@bp.route("/api/v3/repos/<owner>/<repo>/hooks", methods=["GET", "POST"])
def hooks(owner: str, repo: str) -> Any:
    if _git_dir(owner, repo) is None:
        return _error("Not Found", 404)
    with _lock:
        data = load()
        hooks = data["hooks"].setdefault(repo, [])
        if request.method == "GET":
            return jsonify([{"id": h["id"], "config": {"url": h["url"]}} for h in hooks])
        config = (request.get_json(silent=True) or {}).get("config") or {}
        data["next_id"] += 1
        hook = {"id": data["next_id"], "url": str(config.get("url") or ""),
                "secret": str(config.get("secret") or "")}
        hooks.append(hook)
        save(data)
    return jsonify({"id": hook["id"], "config": {"url": hook["url"]}, "active": True}), 201


@bp.delete("/api/v3/repos/<owner>/<repo>/hooks/<int:hook_id>")
def delete_hook(owner: str, repo: str, hook_id: int) -> Any:
    with _lock:
        data = load()
        before = data["hooks"].get(repo, [])
        data["hooks"][repo] = [h for h in before if h["id"] != hook_id]
        save(data)
    return ("", 204) if len(before) != len(data["hooks"][repo]) else _error("Not Found", 404)


def _deliver(repo: str, event: str, payload: dict[str, Any]) -> None:
    """GitHub's delivery to every hook of ``repo``, signed with its secret, sent from a
    thread once the API answer is out (as GitHub sends them, after the change)."""
    body = json.dumps({**payload, "repository": _repo_json(repo),
                       "sender": {"login": "sandbox-bot"}}).encode()
    targets = list(load()["hooks"].get(repo, []))

    def send() -> None:
        for hook in targets:
            signature = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
            try:
                requests.post(hook["url"], data=body, timeout=30, headers={
                    "Content-Type": "application/json", "X-GitHub-Event": event,
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": f"sha256={signature}",
                    "User-Agent": "GitHub-Hookshot/sandbox"})
            except requests.RequestException:
                pass  # as GitHub: a failed delivery is shown on the hook, not retried here

    threading.Timer(0.2, send).start()


@bp.get("/<owner>/<repo>", defaults={"rest": ""})
@bp.get("/<owner>/<repo>/<path:rest>")
def web(owner: str, repo: str, rest: str) -> Any:
    """The host's web pages the app links to: the repository (its pull requests), a pull
    request, a commit (``git show --stat``), a branch or tag (its log)."""
    git_dir = _git_dir(owner, repo)
    if git_dir is None:
        return Response("Not Found\n", 404, mimetype="text/plain")
    kind, _, name = rest.partition("/")
    pulls = load()["pulls"].get(repo, [])
    if kind == "pull" and name.isdigit():
        pull = next((p for p in pulls if p["number"] == int(name)), None)
        if pull is None:
            return Response("Not Found\n", 404, mimetype="text/plain")
        return render_template("sandbox/host_page.html", title=f"#{name} {pull['title']}",
                               pull=pull, pulls=None)
    if kind in ("commit", "tree", "releases") and name:
        rev = name.removeprefix("tag/")
        if kind == "commit" and not re.fullmatch(r"[0-9a-f]{4,64}", rev):
            return Response("Not Found\n", 404, mimetype="text/plain")
        ref = rev if kind == "commit" else (f"refs/heads/{rev}" if kind == "tree"
                                            else f"refs/tags/{rev}")
        args = (["show", "--stat", "--no-color", "--end-of-options", ref] if kind == "commit"
                else ["log", "--oneline", "-n", "50", "--end-of-options", ref])
        shown = run_git(args, git_dir=git_dir, check=False)
        if shown.returncode != 0:
            return Response("Not Found\n", 404, mimetype="text/plain")
        return render_template("sandbox/host_page.html", title=f"{owner}/{repo} {rev}",
                               text=shown.stdout.decode("utf-8", "replace"), pulls=None)
    return render_template("sandbox/host_page.html", title=f"{owner}/{repo}", pulls=pulls,
                           owner=owner, repo=repo)
