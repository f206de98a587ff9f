"""The Space's requirements.txt and the package's dependencies must not drift apart."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_space_requirements_match_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    reqs = [line for line in lines if line and not line.startswith("#")]
    assert sorted(reqs) == sorted([*deps, "spaces"])


def test_readme_front_matter_points_at_the_space_app():
    readme = (ROOT / "README.md").read_text()
    front = readme.split("---")[1]
    assert "app_file: app.py" in front and "sdk: gradio" in front
    assert (ROOT / "app.py").is_file()


def test_readme_test_command_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python -m pytest" in (ROOT / "README.md").read_text()
    assert "\npython -m pytest\n" in ci
