"""Secrets per stack: the schema's list, ciphertexts that fit their provider, prod's own key, runners."""

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

from config import ConfigError, load_stack_config
from config.secrets import required_secrets
from config.stackfile import SECRET_PLACEHOLDER, read_stack_file
from tests.conftest import ROOT, stack_file, with_changes

STAGING_SECRETS = [
    "lab:proxmoxPassword",
    "lab:proxmoxSshPrivateKey",
    "lab:ansiblePrivateKey",
    "lab:ansibleProvisionerPrivateKey",
    "platform:postgresPassword",
    "platform:postgresReplicationPassword",
    "platform:pgpoolAdminPassword",
    # Both stacks run Datadog (monitors as code): its API and application keys.
    "platform:datadogApiKey",
    "platform:datadogAppKey",
]


def repo_copy(tmp_path: Path) -> Path:
    """The project file and both committed stack files, in a scratch repository."""
    for name in ("Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def edit(path: Path, **top: Any) -> None:
    """Set (or, with None, remove) top-level keys of a stack file, and `config` keys via `config=`."""
    doc = yaml.safe_load(path.read_text())
    for key, value in top.items():
        if key == "config":
            doc["config"].update(value)
        elif value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def real_v1(plaintext: str) -> str:
    """A value exactly as Pulumi's symmetric crypter writes it: v1:<nonce>:<AES-256-GCM ciphertext>."""
    nonce = os.urandom(12)
    sealed = AESGCM(os.urandom(32)).encrypt(nonce, plaintext.encode(), None)
    return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(sealed).decode()}"


def refused(root: Path, stack: str) -> str:
    with pytest.raises(ConfigError) as err:
        read_stack_file(root, stack)
    return str(err.value)


def test_the_secret_list_comes_from_the_schema() -> None:
    staging = read_stack_file(ROOT, "staging", stand_in_secrets=False)
    assert required_secrets("staging", staging.config) == STAGING_SECRETS
    prod = read_stack_file(ROOT, "prod", stand_in_secrets=False)
    # Prod runs self-service, Guacamole, the Windows sync and Datadog: their secrets are
    # required there and only there.
    assert required_secrets("prod", prod.config) == [
        *STAGING_SECRETS[:4],
        "lab:realmBindPassword",
        "lab:guacamoleAdminPassword",
        "lab:windowsSshPrivateKey",
        *STAGING_SECRETS[4:],
    ]


def test_the_list_follows_the_configuration() -> None:
    base = read_stack_file(ROOT, "staging", stand_in_secrets=False)
    proxmox = json.loads(base.config["lab:proxmox"])
    proxmox["ssh"]["agent"] = True
    agent = required_secrets("staging", with_changes(base, {"lab:proxmox": proxmox}))
    assert "lab:proxmoxSshPrivateKey" not in agent
    # Choosing the API token (set first, or named) replaces the password, never adds to it.
    token = required_secrets("staging", base.config, chosen=["lab:proxmoxApiToken"])
    assert "lab:proxmoxApiToken" in token and "lab:proxmoxPassword" not in token


def test_committed_stacks_plan_with_stand_ins_and_a_real_run_refuses_the_missing_secret() -> None:
    planned = stack_file("staging")
    assert list(planned.stood_in) == STAGING_SECRETS
    assert all(planned.config[k] == SECRET_PLACEHOLDER for k in planned.stood_in)
    assert set(planned.stood_in) <= set(planned.secret_keys)
    # What the engine hands a real run before `make stack-init`: no value at all.
    bare = read_stack_file(ROOT, "staging", stand_in_secrets=False)
    with pytest.raises(ConfigError) as err:
        load_stack_config(project="campus", stack="staging", raw=bare.config, secret_keys=bare.secret_keys)
    assert "lab:proxmoxPassword" in str(err.value)


def test_committed_stacks_declare_their_own_kms_key_and_hold_no_placeholder() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "config.stacksecrets", "--check"],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    providers = {s: read_stack_file(ROOT, s).secrets_provider for s in ("staging", "prod")}
    assert all(str(p).startswith("awskms://alias/") for p in providers.values())
    assert providers["staging"] != providers["prod"]
    for stack in ("staging", "prod"):
        assert "encryptionsalt" not in yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())


def test_real_ciphertext_with_its_data_key_is_accepted(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edit(
        root / "Pulumi.staging.yaml",
        encryptedkey=base64.b64encode(os.urandom(184)).decode(),
        config={"lab:proxmoxPassword": {"secure": real_v1("hunter2")}},
    )
    loaded = read_stack_file(root, "staging")
    assert "lab:proxmoxPassword" in loaded.secret_keys and "lab:proxmoxPassword" not in loaded.stood_in


def test_a_placeholder_secret_is_refused_naming_stack_and_key(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    # The shape the stack files held before: base64 of readable text.
    placeholder = base64.b64encode(b"\x00\x00\x01\x00prod-password-ciphertext").decode()
    edit(
        root / "Pulumi.staging.yaml",
        encryptedkey=base64.b64encode(os.urandom(184)).decode(),
        config={"lab:proxmoxPassword": {"secure": placeholder}},
    )
    text = refused(root, "staging")
    assert "stack 'staging'" in text and "Pulumi.staging.yaml lab:proxmoxPassword" in text
    assert text.count("\n  - ") == 1
    proc = subprocess.run(
        [sys.executable, "-m", "config.stacksecrets", "--check", "--root", str(root)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2 and "lab:proxmoxPassword" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kms_ciphertext_without_its_data_key_cannot_be_decrypted(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edit(root / "Pulumi.staging.yaml", config={"lab:proxmoxPassword": {"secure": real_v1("x")}})
    assert "Pulumi.staging.yaml encryptedkey" in refused(root, "staging")


def test_a_passphrase_stack_needs_its_salt(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edit(
        root / "Pulumi.staging.yaml",
        secretsprovider="passphrase",
        config={"lab:proxmoxPassword": {"secure": real_v1("x")}},
    )
    assert "Pulumi.staging.yaml encryptionsalt" in refused(root, "staging")
    salt = f"v1:{base64.b64encode(os.urandom(8)).decode()}:{real_v1('pulumi')}"
    edit(root / "Pulumi.staging.yaml", encryptionsalt=salt)
    assert read_stack_file(root, "staging").secrets_provider == "passphrase"


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        (None, "prod declares no secrets provider of its own"),
        ("awskms://alias/campus-staging-secrets?region=eu-west-3", "also Pulumi.staging.yaml's provider"),
        ("passphrase", "prod uses a passphrase"),
    ],
)
def test_prod_without_its_own_secrets_provider_is_refused(
    tmp_path: Path, provider: str | None, expected: str
) -> None:
    root = repo_copy(tmp_path)
    edit(root / "Pulumi.prod.yaml", secretsprovider=provider)
    text = refused(root, "prod")
    assert "stack 'prod'" in text and "Pulumi.prod.yaml secretsprovider" in text and expected in text
    assert text.count("\n  - ") == 1


def test_a_committed_stack_must_declare_a_provider(tmp_path: Path) -> None:
    root = repo_copy(tmp_path)
    edit(root / "Pulumi.staging.yaml", secretsprovider=None)
    proc = subprocess.run(
        [sys.executable, "-m", "config.stacksecrets", "--check", "--root", str(root)],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "stack 'staging'" in proc.stderr and "Pulumi.staging.yaml secretsprovider" in proc.stderr


def cluster(stack: str, **changes: Any) -> dict[str, Any]:
    value = json.loads(stack_file(stack).config["cloud:cluster"])
    value.update(changes)
    return {"cloud:cluster": value}


def load_error(stack: str, changes: dict[str, Any]) -> str:
    base = stack_file(stack)
    with pytest.raises(ConfigError) as err:
        load_stack_config(
            project="campus", stack=stack, raw=with_changes(base, changes), secret_keys=base.secret_keys
        )
    return str(err.value)


def test_a_runner_egress_missing_from_public_access_cidrs_is_refused() -> None:
    text = load_error("prod", cluster("prod", ciRunner={"egressCidrs": ["192.0.2.99/32"]}))
    assert "stack 'prod'" in text and "cloud:cluster.ciRunner" in text
    assert "192.0.2.99/32 is not admitted by cloud:cluster.publicAccessCidrs" in text
    assert text.count("\n  - ") == 1


def test_prod_must_say_how_its_runner_reaches_the_api() -> None:
    value = json.loads(stack_file("prod").config["cloud:cluster"])
    del value["ciRunner"]
    text = load_error("prod", {"cloud:cluster": value})
    assert "cloud:cluster: ciRunner is missing" in text and "prod is deployed from CI" in text


def test_a_runner_inside_the_vpc_needs_no_egress_cidr() -> None:
    base = stack_file("prod")
    cfg = load_stack_config(
        project="campus",
        stack="prod",
        raw=with_changes(base, cluster("prod", ciRunner={"inVpc": True})),
        secret_keys=base.secret_keys,
    )
    assert cfg.cloud is not None and cfg.cloud.cluster is not None
    assert cfg.cloud.cluster.ci_runner is not None and cfg.cloud.cluster.ci_runner.in_vpc


def test_the_lab_runner_is_self_hosted() -> None:
    lab = json.loads(stack_file("staging").config["lab:runner"])
    lab["githubLabels"] = ["ubuntu-24.04", "campus-lab"]
    text = load_error("staging", {"lab:runner": lab})
    assert "lab:runner" in text and "must start with 'self-hosted'" in text
