"""Chart pins against an independent record (tests/data/charts.yaml), and what the record says they need."""

import json
import re
from typing import Any, cast

import pytest
import yaml

from components.aws.eks_cluster import KUBERNETES_VERSION
from config.charts import PGPOOL_IMAGE, POSTGRESQL_REPMGR_IMAGE, RELEASES, VELERO_IMAGE
from config.values import SCHEMA_FILE, VALUES_DIR
from tests.conftest import ROOT

RECORD = cast(dict[str, Any], yaml.safe_load((ROOT / "tests/data/charts.yaml").read_text()))
CHARTS = cast(dict[str, dict[str, Any]], RECORD["charts"])


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text.split("-", maxsplit=1)[0])[:3])


def test_every_pinned_chart_is_recorded_at_the_same_version() -> None:
    assert sorted(CHARTS) == sorted(RELEASES)
    for release, pin in RELEASES.items():
        assert pin.version == CHARTS[release]["version"], release


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_each_values_schema_was_written_for_the_recorded_version(release: str) -> None:
    schema = json.loads((VALUES_DIR / release / SCHEMA_FILE).read_text())
    assert schema["x-source"]["version"] == CHARTS[release]["version"]
    assert schema["x-source"]["tag"] in CHARTS[release]["source"]


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_the_cluster_version_meets_each_charts_kubernetes_constraint(release: str) -> None:
    assert RECORD["kubernetes"] == KUBERNETES_VERSION
    constraint = CHARTS[release]["kubeVersion"]
    if constraint is None:
        return
    match = re.fullmatch(r">=\s*(\d+\.\d+\.\d+)(-0)?", constraint)
    assert match is not None, f"{release}: record a constraint this test can read, got {constraint!r}"
    assert _version(KUBERNETES_VERSION) >= _version(match.group(1))[:2]


def test_pinned_images_are_the_ones_the_charts_ship_at_their_version() -> None:
    images = {name: c.get("images", {}) for name, c in CHARTS.items()}
    assert VELERO_IMAGE.tag == images["velero"]["velero"]
    assert VELERO_IMAGE.tag.lstrip("v") == CHARTS["velero"]["appVersion"]
    assert POSTGRESQL_REPMGR_IMAGE.tag == images["postgresql-ha"]["postgresql-repmgr"]
    assert PGPOOL_IMAGE.tag == images["postgresql-ha"]["pgpool"]
    assert POSTGRESQL_REPMGR_IMAGE.tag.startswith(CHARTS["postgresql-ha"]["appVersion"] + "-")
