"""The HTTP API: JSON and GeoJSON under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
