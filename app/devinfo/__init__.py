"""Jira's own Development panel: commits, branches and pull requests pushed through the
Development Information API (devinfo 0.10).

``limits`` and ``payloads`` are plain functions (what Jira accepts, how our rows look to
it); ``source`` reads our index; ``state`` is the durable per-repository push state;
``push`` is one resumable push; ``deletions`` owes Jira the removal of disconnected
repositories. The jobs in ``app.jobs.jira_sync`` only call these with ids.
"""
