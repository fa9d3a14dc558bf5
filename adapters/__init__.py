"""Thin platform adapters: they turn a platform message into a call on `bot.service.Service`
and its answer into a platform reply, and hold no retrieval or knowledge logic."""
