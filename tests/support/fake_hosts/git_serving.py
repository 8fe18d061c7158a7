"""Smart HTTP git on a fake host's origin: ``git http-backend`` as CGI (reusing
``tests.support.git_http``) for the host's repositories, with the host's credentials.

Hosts answer 401 (not 404) to anonymous requests for private repositories, and refuse a
push with a read-only token, as the real ones do."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tests.support.fake_hosts.state import FakeRepo, Recorded, Token
from tests.support.git_http import HTTP_BACKEND, _parse_cgi_output

_GIT_PATH = re.compile(
    r"^/(?P<repo>.+?\.git)/(?P<rest>info/refs|git-upload-pack|git-receive-pack)$"
)


class GitServing:
    """Mixed into ``FakeHost``, whose repositories and request log it uses."""

    api_prefix: str
    repos: dict[str, FakeRepo]

    if TYPE_CHECKING:  # provided by FakeHost

        def _record(self, request: Request, kind: str, path: str, body: Any
                    ) -> Recorded: ...

    def git_token(self, username: str, password: str) -> Token | None:
        """The token that ``username``/``password`` over git stands for, or None."""
        raise NotImplementedError

    def git_match(self, raw_path: str) -> re.Match[str] | None:
        """A smart-HTTP git request (``<repo>`` and ``<rest>`` groups), or ``None``."""
        match = _GIT_PATH.match(raw_path)
        return match if match and not raw_path.startswith(self.api_prefix + "/") else None

    def git_repo(self, repo_path: str) -> FakeRepo | None:
        """The repository ``<path>.git`` names on the git side."""
        return self.repos.get(repo_path[:-4])

    def _git(self, request: Request, repo_path: str, rest: str) -> Response:
        body = request.get_data()
        record = self._record(request, "git", request.path, None)
        repo = self.git_repo(repo_path)
        token = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                username = password = ""
            token = self.git_token(username, password)
            record.login = username
            if token is not None:
                record.token = token.value
        pushing = rest == "git-receive-pack" or "service=git-receive-pack" in (
            request.query_string.decode()
        )
        if token is None or token.expired or repo is None:
            # Hosts answer 401 (not 404) to anonymous requests for private repositories.
            response = Response("HTTP Basic: Access denied\n", 401,
                                headers={"WWW-Authenticate": 'Basic realm="fake git host"'})
        elif pushing and not token.write:
            response = Response("You may not push to this repository\n", 403)
        else:
            response = self._cgi(request, repo, rest, body, token)
        record.status = response.status_code
        return response

    def _cgi(self, request: Request, repo: FakeRepo, rest: str, body: bytes, token: Token
             ) -> Response:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(repo.bare.parent),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "REQUEST_METHOD": request.method,
            "PATH_INFO": f"/{repo.bare.name}/{rest}",
            "QUERY_STRING": request.query_string.decode(),
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": request.remote_addr or "127.0.0.1",
            "REMOTE_USER": token.login,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        if request.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = request.headers["Content-Encoding"]
        if request.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = request.headers["Git-Protocol"]
        proc = subprocess.run([HTTP_BACKEND], input=body, env=env, capture_output=True,
                              check=False, timeout=120)
        parsed = _parse_cgi_output(proc.stdout)
        if parsed is None:
            return Response(proc.stderr, 500)
        status, headers, payload = parsed
        return Response(payload, status, headers=headers)

