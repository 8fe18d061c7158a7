"""Smart-HTTP git for the sandbox's repositories: ``git http-backend`` as CGI, read-only
(upload-pack only; pushes are refused before git sees them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from flask import Response, request

BACKEND = next((p for p in ("/usr/lib/git-core/git-http-backend",
                            "/usr/libexec/git-core/git-http-backend") if os.path.exists(p)),
               "git-http-backend")


def serve(git_dir: Path, rest: str) -> Response:
    if "receive-pack" in rest or request.args.get("service") == "git-receive-pack":
        return Response("the sandbox serves repositories read-only\n", 403, mimetype="text/plain")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_PROJECT_ROOT": str(git_dir.parent),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "PATH_INFO": f"/{git_dir.name}/{rest}",
        "REQUEST_METHOD": request.method,
        "QUERY_STRING": request.query_string.decode("latin-1"),
        "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        "REMOTE_ADDR": request.remote_addr or "127.0.0.1",
    }
    if encoding := request.headers.get("Content-Encoding"):
        env["HTTP_CONTENT_ENCODING"] = encoding
    if protocol := request.headers.get("Git-Protocol"):
        env["GIT_PROTOCOL"] = protocol
    body = request.get_data()
    env["CONTENT_LENGTH"] = str(len(body))
    proc = subprocess.run([shutil.which(BACKEND) or BACKEND], input=body, env=env,
                          capture_output=True, timeout=600, check=False)
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    if not _:
        head, _, payload = proc.stdout.partition(b"\n\n")
    status, headers = 200, {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.strip().split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return Response(payload, status, headers=headers)
