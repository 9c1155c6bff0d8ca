"""The self-test that every build runs (`PeerDesk --self-test`), from source here; the frozen
build runs the same code in scripts/frozen-smoke.sh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerdesk.domain import Kind
from peerdesk.selftest import SelfTest

ROOT = Path(__file__).resolve().parents[2]
STEPS = ["build", "policy", "resources", "vault", "account", "unlock", "records", "integrity",
         "documents", "qt", "plan pdf", "sync", "lock", "sign-in window"]


def run_app(tmp_path: Path, *args: str, policy: object = None) -> subprocess.CompletedProcess[str]:
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(json.dumps({} if policy is None else policy), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")}
    env |= {"QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(temp),
            "PEERDESK_POLICY": str(policy_file)}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)


def test_the_app_passes_its_self_test_and_leaves_nothing(tmp_path: Path) -> None:
    result = run_app(tmp_path, "--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line[5:].split(":")[0] for line in lines[:-1]] == STEPS
    assert all(line.startswith("ok   ") for line in lines[:-1])
    assert lines[-1].startswith("self-test passed in ")
    assert f"{len(Kind)} kinds saved encrypted and read back" in result.stdout
    assert f"a second device pulled {len(Kind)}" in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_failing_step_is_named_and_the_exit_code_says_so(tmp_path: Path) -> None:
    result = run_app(tmp_path, "--self-test", policy={"auto_lock_minutes": 0})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[-2] == ("FAIL policy: Policy setting 'auto_lock_minutes' must be a whole number "
                         "from 1 to 60.")
    assert lines[-1].startswith("self-test FAILED at step 'policy'")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_check_policy_before_rolling_it_out(tmp_path: Path) -> None:
    good = run_app(tmp_path, "--check-policy", str(ROOT / "installers" / "policy.example.json"))
    assert good.returncode == 0 and "passphrase_min_length: 14" in good.stdout
    bad = tmp_path / "bad.json"
    bad.write_text('{"allow_remember_me": "yes"}', encoding="utf-8")
    result = run_app(tmp_path, "--check-policy", str(bad))
    assert result.returncode == 2
    assert "'allow_remember_me' must be true or false" in result.stdout
    assert run_app(tmp_path, "--check-policy", str(tmp_path / "missing.json")).returncode == 2


def test_the_app_executable_also_runs_the_command_line(tmp_path: Path) -> None:
    result = run_app(tmp_path, "--cli", "--data-dir", str(tmp_path / "data"), "init")
    assert result.returncode == 0, result.stderr
    assert "Data folder ready" in result.stdout


def test_core_steps_stop_at_the_first_failure_and_clean_up(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERDESK_POLICY", str(tmp_path / "policy.json"))
    (tmp_path / "policy.json").write_text("{}", encoding="utf-8")
    lines: list[str] = []
    test = SelfTest(out=lines.append)

    def broken(_: SelfTest) -> str:
        raise RuntimeError("the PDF writer is missing")

    assert test.run(extra=[("plan pdf", broken)]) == 1
    assert lines[-2] == "FAIL plan pdf: RuntimeError: the PDF writer is missing"
    assert not any(line.startswith("ok   sync") for line in lines)
    assert not test.root.exists()
    assert test.vault is None


def test_core_self_test_passes_without_qt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERDESK_POLICY", str(tmp_path / "policy.json"))
    (tmp_path / "policy.json").write_text('{"passphrase_min_length": 128}', encoding="utf-8")
    lines: list[str] = []
    assert SelfTest(out=lines.append).run() == 0, lines
    assert lines[-1].startswith("self-test passed")
