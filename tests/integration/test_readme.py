"""The README's command-line block runs as written, from a fresh copy of the checkout, in a shell
where nothing has been set up: no virtual environment on PATH, no PEERDESK_ variables."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_block() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Command line", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found, "the README's Command line section has a sh block"
    return found.group(1)


def fresh_checkout(into: Path) -> Path:
    """The files git would check out (tracked and new ones, not ignored), with their times, so
    make sees the same state as in the checkout; the installed .venv stands in for `make venv`'s
    own install, which is what the checkout's .venv was made by."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    copy = into / "checkout"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def test_the_readme_command_line_block_runs_verbatim(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    if not (Path(sys.prefix) / "bin" / "peerdesk").is_file():
        pytest.skip("tests are not running from the checkout's .venv")
    copy = fresh_checkout(tmp_path)
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PEERDESK_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p != venv_bin)
    env["TMPDIR"] = str(tmp_path)
    assert shutil.which("peerdesk", path=env["PATH"]) is None, "the shell starts without it"
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_block()], cwd=copy, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    listed = json.loads(done.stdout[done.stdout.index("\n[") + 1:done.stdout.rindex("]") + 1])
    assert sorted(r["kind"] for r in listed) == ["diary", "person"]
    assert [r["fields"]["what_happened"] for r in listed if r["kind"] == "diary"] == [
        "Listened, mostly."]
    assert "Data folder ready" in done.stdout
