"""``ceasefire patrols``: import tracks and plans, coverage along the route."""

from __future__ import annotations
