"""The manifests the program writes itself pass the Kubernetes schemas offline."""

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from offline.plan import plan_stack
from tests.stacks.render_manifests import CRD_SCHEMAS, KUBERNETES_VERSION, is_custom, manifests, write


def validate(doc: dict[str, Any]) -> None:
    """Raise when a manifest does not match its schema (built-in kind or CRD)."""
    if is_custom(doc):
        schema = json.loads(CRD_SCHEMAS[(doc["apiVersion"], doc["kind"])].read_text())
        jsonschema.Draft202012Validator(schema).validate(doc)  # pyright: ignore[reportUnknownMemberType]
    else:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


KINDS = {
    "prod": {
        "Namespace",
        "Secret",
        "Ingress",
        "ClusterIssuer",
        "Schedule",
        "NodePool",
        "EC2NodeClass",
        "ResourceQuota",
        "LimitRange",
        "NetworkPolicy",
        "CronJob",
    },
    # A tenant writes namespaced kinds only, into the namespace prod made for it.
    # The annotated Service carries its HTTP checks (run by prod's cluster agent).
    "staging": {"Secret", "Ingress", "Issuer", "CronJob", "ServiceAccount", "Service"},
}


@pytest.fixture(scope="module", params=["staging", "prod"])
def stack_docs(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return str(request.param), manifests(plan_stack(str(request.param)))


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return manifests(plan_stack("prod"))


def test_every_manifest_validates(stack_docs: tuple[str, list[dict[str, Any]]]) -> None:
    stack, found = stack_docs
    kinds = {d["kind"] for d in found}
    assert KINDS[stack] <= kinds
    if stack == "staging":
        assert kinds == KINDS[stack]
    for doc in found:
        validate(doc)


def test_a_misspelt_tenant_issuer_field_is_caught() -> None:
    issuer = copy.deepcopy(next(d for d in manifests(plan_stack("staging")) if d["kind"] == "Issuer"))
    issuer["spec"]["acme"]["solvers"][0]["http01"]["ingress"]["ingressClass"] = "traefik"
    with pytest.raises(jsonschema.ValidationError, match="ingressClass"):
        validate(issuer)


def test_a_misspelt_issuer_field_is_caught(docs: list[dict[str, Any]]) -> None:
    issuer = copy.deepcopy(next(d for d in docs if d["kind"] == "ClusterIssuer"))
    issuer["spec"]["acme"]["solvers"][0]["dns01"]["route53"]["hostedZoneId"] = "Z123"
    with pytest.raises(jsonschema.ValidationError, match="hostedZoneId"):
        validate(issuer)


def test_a_bad_retention_is_caught(docs: list[dict[str, Any]]) -> None:
    schedule = copy.deepcopy(next(d for d in docs if d["kind"] == "Schedule"))
    schedule["spec"]["template"]["ttl"] = "30 days"
    with pytest.raises(jsonschema.ValidationError):
        validate(schedule)


def test_a_bad_built_in_field_is_caught(docs: list[dict[str, Any]]) -> None:
    ingress = copy.deepcopy(next(d for d in docs if d["kind"] == "Ingress"))
    ingress["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(ingress)


def test_renderer_sorts_built_in_kinds_from_custom_resources(tmp_path: Path) -> None:
    written = write(tmp_path)
    crd = {p.parent.name for p in written if p.parent.parent.name == "crd"}
    assert crd == {kind for _, kind in CRD_SCHEMAS}
    assert (tmp_path / "prod" / "core" / "namespace-datadog.yaml").is_file()
    # Staging is a tenant: prod's agents watch its namespace; it installs none of its own.
    assert not (tmp_path / "staging" / "core" / "namespace-datadog.yaml").exists()
