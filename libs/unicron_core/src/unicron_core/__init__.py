"""Unicron's shared core: settings, crypto, models, Redis keys, the store, cron math, the leader lease."""
