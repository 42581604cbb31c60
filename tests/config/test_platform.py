"""`platform:*` keys and the per-environment values files."""

from pathlib import Path
from typing import Any

import pytest

from config import ConfigError, load_stack_config
from config.charts import RELEASES
from config.stack import StackConfig
from config.values import deep_merge, load_release_values
from tests.conftest import stack_file, with_changes


def load(
    stack: str = "staging",
    set_: dict[str, Any] | None = None,
    unset: tuple[str, ...] = (),
    secret_keys: list[str] | None = None,
) -> StackConfig:
    base = stack_file(stack)
    return load_stack_config(
        project=base.project,
        stack=stack,
        raw=with_changes(base, set_, unset),
        secret_keys=base.secret_keys if secret_keys is None else secret_keys,
    )


def problems(**kwargs: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load(**kwargs)
    return str(info.value)


def test_committed_stacks_differ_where_they_should() -> None:
    prod, staging = load("prod").platform, load("staging").platform
    assert prod is not None and staging is not None
    assert (prod.datadog.enabled, staging.datadog.enabled) == (True, True)
    # Prod alerts reach Slack and e-mail, staging's Slack only.
    assert (prod.datadog.notify.emails, staging.datadog.notify.emails) == (["oncall@reverse9.xyz"], [])
    assert (prod.postgresql.pgpool_replicas, staging.postgresql.pgpool_replicas) == (2, 1)
    # Staging's backups are a schedule of prod's Velero, kept for a week.
    host = load("prod").cloud
    assert host is not None
    assert (prod.velero.retention_days, host.tenants["staging"].backup.retention_days) == (30, 7)
    assert sorted(prod.hosts) == sorted(staging.hosts) == ["api", "www"]


def test_values_files_are_attached_per_stack() -> None:
    prod, staging = load("prod").platform, load("staging").platform
    assert prod is not None and staging is not None
    assert prod.values_for("traefik")["deployment"]["replicas"] == 2
    assert staging.values_for("traefik")["deployment"]["replicas"] == 1
    # Staging has no Datadog values file: the chart's defaults.
    assert staging.values_for("datadog") == {}


def test_platform_needs_the_cloud_part() -> None:
    msg = problems(set_={"cloud:enabled": "false"})
    assert "platform:enabled: the platform's releases run on the cloud part's EKS cluster" in msg
    assert "expected cloud:enabled to be true" in msg


def test_platform_disabled_is_not_built() -> None:
    cfg = load(set_={"platform:enabled": "false"})
    assert cfg.platform is None


def test_datadog_enabled_needs_its_keys() -> None:
    msg = problems(unset=("platform:datadogApiKey",))
    assert "platform:datadogApiKey is required when platform:datadog.enabled is true" in msg
    msg = problems(unset=("platform:datadogApiKey", "platform:datadogAppKey"))
    assert (
        "platform:datadogApiKey and platform:datadogAppKey are required when platform:datadog.enabled" in msg
    )
    assert msg.count("\n  - ") == 1  # one problem, naming both keys


def test_datadog_disabled_needs_no_key() -> None:
    cfg = load(
        set_={"platform:datadog": {"enabled": False}},
        unset=("platform:datadogApiKey", "platform:datadogAppKey"),
    )
    assert cfg.platform is not None and not cfg.platform.datadog.enabled


def test_datadog_needs_a_slack_account_and_prod_an_email() -> None:
    msg = problems(set_={"platform:datadog": {"enabled": True}})
    assert "platform:datadog.notify.slackAccount is required" in msg
    msg = problems(stack="prod", set_={"platform:datadog": {"notify": {"slackAccount": "reverse9"}}})
    assert "platform:datadog.notify.emails: prod alerts go to Slack and e-mail" in msg
    msg = problems(set_={"platform:datadog": {"notify": {"slackAccount": "x", "emails": ["not-an-address"]}}})
    assert "'not-an-address' is not an e-mail address" in msg


@pytest.mark.parametrize(
    "key",
    [
        "platform:postgresPassword",
        "platform:postgresReplicationPassword",
        "platform:pgpoolAdminPassword",
        "platform:datadogApiKey",
        "platform:datadogAppKey",
    ],
)
def test_plaintext_secret_is_refused(key: str) -> None:
    base = stack_file("prod")
    msg = problems(stack="prod", secret_keys=[k for k in base.secret_keys if k != key])
    assert f"{key}: is stored in plaintext" in msg


def test_missing_password_names_the_key() -> None:
    msg = problems(unset=("platform:pgpoolAdminPassword",))
    assert "platform:pgpoolAdminPassword: missing" in msg


def test_bad_values_are_named() -> None:
    msg = problems(
        set_={
            "platform:acmeEmail": "not-an-address",
            "platform:hosts": {"API_1": {"service": "api", "port": 8080}},
            "platform:postgresql": {"replicas": 1, "storageSize": "10GB"},
            "platform:velero": {"schedule": "daily"},
        }
    )
    assert "platform:acmeEmail" in msg
    assert "host label 'API_1' is not a DNS label" in msg
    assert "platform:postgresql.replicas" in msg and "greater than or equal to 2" in msg
    assert "platform:postgresql.storageSize" in msg
    assert "platform:velero.schedule" in msg


def test_unknown_keys_and_values_outside_files_are_refused() -> None:
    msg = problems(set_={"platform:datadogg": {}, "platform:releaseValues": {"traefik": {}}})
    assert "platform:datadogg: unknown key" in msg
    assert "platform:releaseValues: unknown key; chart values live in config/values/" in msg


def test_chart_and_image_registry_are_overridable() -> None:
    cfg = load(
        set_={
            "platform:postgresql": {
                "chart": "oci://mirror.example.org/charts/postgresql-ha",
                "imageRegistry": "mirror.example.org",
            }
        }
    )
    assert cfg.platform is not None
    assert cfg.platform.postgresql.chart == "oci://mirror.example.org/charts/postgresql-ha"
    assert cfg.platform.postgresql.image_registry == "mirror.example.org"
    msg = problems(set_={"platform:postgresql": {"chart": "https://charts.example.org/postgresql-ha"}})
    assert "platform:postgresql.chart" in msg


def test_values_file_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "traefik").mkdir()
    (tmp_path / "traefik" / "staging.yaml").write_text("deployment: [unclosed\n")
    (tmp_path / "velero").mkdir()
    (tmp_path / "velero" / "staging.yaml").write_text("- a list\n")
    values, found = load_release_values("staging", list(RELEASES), root=tmp_path)
    assert any(p.startswith("config/values/traefik/staging.yaml: not valid YAML") for p in found)
    assert "config/values/velero/staging.yaml: expected a mapping of chart values, got list" in found
    assert values["cert-manager"] == {}


def test_committed_values_files_all_load() -> None:
    for stack in ("staging", "prod"):
        values, found = load_release_values(stack, list(RELEASES))
        assert found == []
        assert set(values) == set(RELEASES)


def test_deep_merge_lets_computed_values_win() -> None:
    merged = deep_merge(
        {"ports": {"web": {"nodePort": 1, "redirections": {"x": 1}}}, "replicas": 2},
        {"ports": {"web": {"nodePort": 30080}}},
    )
    assert merged == {"ports": {"web": {"nodePort": 30080, "redirections": {"x": 1}}}, "replicas": 2}


def test_a_name_in_both_dns_records_and_hosts_is_refused() -> None:
    dns = {"domain": "campus.reverse9.xyz", "hostedZoneId": "Z0PRODCAMPUS000001", "records": ["@", "api"]}
    msg = problems(stack="prod", set_={"cloud:dns": dns})
    assert "cloud:dns.records and platform:hosts both list 'api'" in msg
    assert "www" not in msg


def test_committed_stacks_give_each_name_one_owner() -> None:
    for stack in ("prod", "staging"):
        cfg = load(stack)
        assert cfg.cloud is not None and cfg.platform is not None
        assert not set(cfg.cloud.dns.records) & set(cfg.platform.hosts)
