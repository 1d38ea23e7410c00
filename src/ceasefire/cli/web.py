"""``ceasefire serve`` and ``ceasefire users``: the workspace's commands."""

from __future__ import annotations
