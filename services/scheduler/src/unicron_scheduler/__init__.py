"""Unicron's singleton scheduler."""
