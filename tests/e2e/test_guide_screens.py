"""`flask guide screens` takes every screenshot of the guide from the demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]
pytest.importorskip("playwright.sync_api")


def test_guide_screens_are_taken_for_every_task_with_a_screen(tmp_path):
    from app import create_app
    from app.services.guide import screen_name, tasks_with_screens
    from config import TestConfig

    app = create_app(TestConfig)
    result = app.test_cli_runner().invoke(args=["guide", "screens", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for task in tasks_with_screens():
        picture = tmp_path / screen_name(task)
        assert picture.read_bytes().startswith(b"\x89PNG"), task.anchor
        assert picture.stat().st_size > 5_000  # a real page, not a blank image
