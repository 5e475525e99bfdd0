"""Unicron's REST API."""
