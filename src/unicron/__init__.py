"""Unicron: distributed cron and async tasks."""
