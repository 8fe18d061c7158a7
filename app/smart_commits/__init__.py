"""Smart commits: ``ABC-1 #comment ... #time 2h #done`` in commit messages, run on Jira.

``parser`` reads commands from messages (no Jira), ``actions`` runs one command through
Jira's REST API as the app, ``runs`` claims newly indexed commits (exactly once per
site, commit and issue) and executes their commands. See docs/jira-development-panel.md
for how this relates to Jira's own smart-commit processor.
"""
