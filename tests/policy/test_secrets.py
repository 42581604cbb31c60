"""No plaintext secrets in command strings or Helm values."""

import pytest

from config.stackfile import SECRET_PLACEHOLDER
from offline.harness import SECRET
from policy.credentials import no_secrets_in_commands, no_secrets_in_helm_values, secret_like_key
from tests.policy.records import fired, record

REMOTE = "command:remote:Command"
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize(
    "create",
    [
        "pveum user add ci@pve --password hunter2secret",
        "MYSQL_ROOT_PASSWORD=hunter2 docker run mysql",
        "sshpass -p hunter2 ssh root@pve",
        "curl -H 'Authorization: Bearer abcdef123456' https://api",
        "git clone https://bot:ghp_abcdef@git.example.org/x.git",
        "printf '%s' '-----BEGIN OPENSSH PRIVATE KEY-----' > key",
        f"echo {SECRET_PLACEHOLDER} | passwd --stdin student",
        SECRET,
    ],
)
def test_credentials_in_command_strings_fire(create: str) -> None:
    found = fired(no_secrets_in_commands, record(REMOTE, "cmd", {"create": create}))
    assert found and all(v.policy == "no-secrets-in-command-strings" for v in found)


def test_plaintext_known_secret_in_command_environment_fires() -> None:
    found = fired(no_secrets_in_commands, record(REMOTE, "cmd", {"environment": {"PW": SECRET_PLACEHOLDER}}))
    assert len(found) == 1 and "environment.PW" in found[0].message


@pytest.mark.parametrize(
    "create",
    [
        'pveum user add ci@pve --password "$CI_PASSWORD"',
        "chpasswd < /dev/stdin",
        "ansible-playbook site.yml --vault-password-file /run/vault-pass",
        'curl -H "Authorization: Bearer $TOKEN" https://api',
    ],
)
def test_references_and_secret_environment_are_silent(create: str) -> None:
    cmd = record(REMOTE, "cmd", {"create": create, "environment": {"CI_PASSWORD": SECRET, "TOKEN": SECRET}})
    assert fired(no_secrets_in_commands, cmd) == []


@pytest.mark.parametrize(
    "values",
    [
        {"auth": {"postgresPassword": "hunter2"}},
        {"datadog": {"apiKey": SECRET}},
        {"credentials": {"secretContents": {"cloud": "aws_access_key_id=AKIA"}}, "s3": {"secretKey": "x"}},
        {"env": [{"name": "X", "value": SECRET_PLACEHOLDER}]},
    ],
)
def test_inline_credentials_in_helm_values_fire(values: dict[str, object]) -> None:
    found = fired(no_secrets_in_helm_values, record(RELEASE, "release", {"values": values}))
    assert found and found[0].policy == "no-plaintext-secrets-in-helm-values"


def test_secret_references_in_helm_values_are_silent() -> None:
    values = {
        "datadog": {"apiKeyExistingSecret": "datadog-keys", "site": "datadoghq.eu"},
        "auth": {"existingSecret": "pg-auth", "secretKeys": {"adminPasswordKey": "password"}},
        "tls": {"secretName": "web-tls"},
        "credentials": {"useSecret": False},
        "serviceAccount": {"create": True, "automountServiceAccountToken": False},
        "tokenTtl": 3600,
    }
    assert fired(no_secrets_in_helm_values, record(RELEASE, "release", {"values": values})) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("password", True),
        ("postgres_password", True),
        ("apiKey", True),
        ("secretAccessKey", True),
        ("existingSecret", False),
        ("passwordSecretName", False),
        ("adminPasswordKey", False),
        ("apiKeyExistingSecret", False),
        ("replicas", False),
    ],
)
def test_secret_like_key(key: str, expected: bool) -> None:
    assert secret_like_key(key) is expected
