"""Reproducible installs: the locks pin every package with hashes and agree with the human-edited inputs."""

from __future__ import annotations

import re
import tomllib

import pytest

from pbsa_analytics import settings

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (settings.REPO_ROOT / name).read_text(encoding="utf-8")
    return {package.lower().replace("_", "-"): version for package, version in PIN.findall(text)}


@pytest.mark.parametrize(("inputs", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-dev.txt", "requirements-dev.lock")])  # fmt: skip
def test_lock_holds_every_pinned_input_at_the_same_version(inputs: str, lock: str) -> None:
    """A package added or re-pinned in requirements*.txt without `make lock` fails here, naming it."""
    locked = _pins(lock)
    stale = {name: version for name, version in _pins(inputs).items() if locked.get(name) != version}
    assert stale == {}, f"run `make lock`: {lock} lacks {stale}"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_locked_package_has_a_hash(lock: str) -> None:
    """Each entry of a lock is pinned with == and carries at least one sha256 hash."""
    text = (settings.REPO_ROOT / lock).read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    requirements = [e for e in entries if not e.startswith("#")]
    assert requirements
    for entry in requirements:
        assert PIN.match(entry), entry.splitlines()[0]
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_dev_lock_agrees_with_the_runtime_lock() -> None:
    """Tests run on exactly the versions the app runs on."""
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: (version, dev.get(name)) for name, version in runtime.items() if dev.get(name) != version} == {}


def test_python_version_is_pinned_in_both_places() -> None:
    """.python-version and requires-python name the same minor version."""
    pinned = (settings.REPO_ROOT / ".python-version").read_text(encoding="utf-8").strip()
    project = tomllib.loads((settings.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    minor = int(pinned.split(".")[1])
    assert project["requires-python"] == f">={pinned},<3.{minor + 1}"
