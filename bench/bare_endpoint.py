"""The floor of the webhook-ingest benchmark: a Flask app whose one endpoint reads the
body and answers 202, served by gunicorn with the same settings as the real app.

Whatever the real receiver costs above this is ours (verification, parsing, storing,
queuing), not Flask's, gunicorn's or the network's.
"""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/webhooks/<int:integration_id>")
def receive(integration_id: int) -> tuple[str, int]:
    request.get_data()
    return "", 202
