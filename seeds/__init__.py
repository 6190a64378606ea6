"""Seed data (YAML) for reference tables and demo staff, with their loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SEEDS_DIR = Path(__file__).resolve().parent


def read_yaml(name: str) -> Any:
    """Parse the seed file `name` (relative to the seeds package) with ``yaml.safe_load``."""
    with (SEEDS_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
