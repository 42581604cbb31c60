"""`make stack-init`: the calls it makes, checked by a `pulumi` test double that records them.

No Pulumi CLI exists on these machines; the double stands in for it and only
records argv, standard input and working directory (and fails `stack select` for
stacks it was not told exist, as the CLI does). What the real CLI then writes into
the stack file is checked separately (tests/config/test_secrets.py).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from scripts.stack_init import env_name, main
from tests.config.test_secrets import STAGING_SECRETS
from tests.conftest import ROOT

FAKE_PULUMI = """#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
stdin = sys.stdin.read()
with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
    log.write(json.dumps({"argv": args, "stdin": stdin, "cwd": os.getcwd()}) + "\\n")
if args[:2] == ["stack", "select"] and args[2] not in os.environ.get("FAKE_PULUMI_STACKS", "").split():
    print(f"error: no stack named '{args[2]}' found", file=sys.stderr)
    sys.exit(255)
"""

STAGING_PROVIDER = "awskms://alias/campus-staging-secrets?region=eu-west-3"
KEY_TEXT = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, root / name)
    return root


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "pulumi"
    exe.write_text(FAKE_PULUMI.replace("/usr/bin/env python3", sys.executable, 1))
    exe.chmod(0o755)
    log = tmp_path / "pulumi-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    for key in os.environ:
        if key.startswith("CAMPUS_SECRET_"):
            monkeypatch.delenv(key)
    return log


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def provide(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, keys: list[str]) -> dict[str, str]:
    """Each secret from the environment; the SSH key from a file (keeps its final newline)."""
    values: dict[str, str] = {}
    for key in keys:
        if key == "lab:proxmoxSshPrivateKey":
            path = tmp_path / "pve_ed25519"
            path.write_text(KEY_TEXT)
            monkeypatch.setenv(f"{env_name(key)}_FILE", str(path))
            values[key] = KEY_TEXT
        else:
            values[key] = f"value-of-{key}"
            monkeypatch.setenv(env_name(key), values[key])
    return values


def test_env_names_follow_the_keys() -> None:
    assert env_name("lab:proxmoxPassword") == "CAMPUS_SECRET_LAB_PROXMOX_PASSWORD"
    assert env_name("platform:datadogApiKey") == "CAMPUS_SECRET_PLATFORM_DATADOG_API_KEY"


def test_a_new_stack_is_created_with_its_provider_and_every_schema_secret_set(
    repo: Path, tmp_path: Path, fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = provide(monkeypatch, tmp_path, STAGING_SECRETS)
    backend = f"file://{tmp_path / 'state'}"
    assert main(["staging", "--root", str(repo), "--backend", backend]) == 0
    made = calls(fake_pulumi)
    argvs = [c["argv"] for c in made]
    assert argvs[:3] == [
        ["login", backend, "--non-interactive"],
        ["stack", "select", "staging", "--non-interactive"],
        ["stack", "init", "staging", "--secrets-provider", STAGING_PROVIDER, "--non-interactive"],
    ]
    sets = made[3:]
    assert [c["argv"] for c in sets] == [
        ["config", "set", "--secret", "--raw", "--stack", "staging", key, "--non-interactive"]
        for key in STAGING_SECRETS
    ]
    # Values travel on standard input, byte for byte (the key keeps its final newline), never in argv.
    assert [c["stdin"] for c in sets] == [values[k] for k in STAGING_SECRETS]
    assert not any(v in " ".join(a) for v in values.values() for a in argvs)
    assert {c["cwd"] for c in made} == {str(repo)}
    assert (tmp_path / "state").is_dir()


def test_an_existing_stack_is_selected_and_keeps_the_secrets_it_has(
    repo: Path, tmp_path: Path, fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nonce = os.urandom(12)
    sealed = AESGCM(os.urandom(32)).encrypt(nonce, b"already-set", None)
    doc = yaml.safe_load((repo / "Pulumi.staging.yaml").read_text())
    doc["encryptedkey"] = base64.b64encode(os.urandom(184)).decode()
    doc["config"]["lab:proxmoxPassword"] = {
        "secure": f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"
    }
    (repo / "Pulumi.staging.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    provide(monkeypatch, tmp_path, STAGING_SECRETS[1:])
    monkeypatch.setenv("FAKE_PULUMI_STACKS", "staging")
    assert main(["staging", "--root", str(repo), "--backend", f"file://{tmp_path / 'state'}"]) == 0
    argvs = [c["argv"] for c in calls(fake_pulumi)]
    assert ["stack", "select", "staging", "--non-interactive"] in argvs
    assert not any(a[:2] == ["stack", "init"] for a in argvs)
    assert [a[6] for a in argvs if a[:2] == ["config", "set"]] == STAGING_SECRETS[1:]


def test_a_missing_secret_stops_before_any_pulumi_call(
    repo: Path,
    tmp_path: Path,
    fake_pulumi: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provide(monkeypatch, tmp_path, [k for k in STAGING_SECRETS if k != "platform:pgpoolAdminPassword"])
    assert main(["staging", "--root", str(repo), "--backend", f"file://{tmp_path / 'state'}"]) == 2
    err = capsys.readouterr().err
    assert "stack 'staging'" in err and "platform:pgpoolAdminPassword" in err
    assert "CAMPUS_SECRET_PLATFORM_PGPOOL_ADMIN_PASSWORD" in err
    assert calls(fake_pulumi) == []


def test_prod_cannot_share_staging_s_key(
    repo: Path,
    tmp_path: Path,
    fake_pulumi: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provide(monkeypatch, tmp_path, [*STAGING_SECRETS, "platform:datadogApiKey"])
    args = ["prod", "--root", str(repo), "--secrets-provider", STAGING_PROVIDER]
    assert main([*args, "--backend", f"file://{tmp_path / 'state'}"]) == 2
    err = capsys.readouterr().err
    assert "stack 'prod'" in err and "Pulumi.prod.yaml secretsprovider" in err
    assert calls(fake_pulumi) == []


def test_an_unknown_backend_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staging", "--root", str(repo), "--backend", "ftp://state"]) == 2
    assert "expected s3://" in capsys.readouterr().err


def test_make_passes_stack_provider_and_backend_through() -> None:
    proc = subprocess.run(
        [
            "make",
            "-n",
            "stack-init",
            "STACK=prod",
            "SECRETS_PROVIDER=awskms://alias/campus-prod-secrets?region=eu-west-3",
            "BACKEND=s3://campus-pulumi-state?region=eu-west-3",
        ],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "venv/bin/python -m scripts.stack_init 'prod' "
        "--secrets-provider 'awskms://alias/campus-prod-secrets?region=eu-west-3' "
        "--backend 's3://campus-pulumi-state?region=eu-west-3'"
    ) in proc.stdout
