"""Calls from the app to a tenant's Jira site."""
