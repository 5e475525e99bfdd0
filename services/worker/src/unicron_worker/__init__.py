"""Unicron's RQ worker and executors."""
