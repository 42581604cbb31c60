"""The bulk import file that adopts a deployed stack's pool memberships."""

import json
from pathlib import Path

from offline.harness import PlanResult
from offline.imports import MEMBERSHIP, main, membership_imports
from tests.lab_support import CONTAINER


def test_every_membership_is_adopted_with_the_providers_id(prod_result: PlanResult) -> None:
    doc = membership_imports(prod_result)
    containers = {r.name: r for r in prod_result.of_type(CONTAINER)}
    assert len(doc["resources"]) == len(containers) == len(prod_result.of_type(MEMBERSHIP))
    for entry in doc["resources"]:
        ct = containers[entry["name"].removesuffix("-pool")]
        member = prod_result.one(MEMBERSHIP, entry["name"])
        # What `pulumi import` needs to find the state the program declares: type, name, parent, provider.
        assert entry["type"] == MEMBERSHIP
        assert entry["id"] == f"{member.inputs['poolId']}/vm/{int(ct.inputs['vmId'])}"
        assert doc["nameTable"][entry["parent"]] == member.parent
        assert member.provider is not None and member.provider.startswith(
            doc["nameTable"][entry["provider"]] + "::"
        )


def test_the_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "imports.json"
    assert main(["--stack", "staging", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert {e["id"].split("/")[1] for e in doc["resources"]} == {"vm"}
    assert len(doc["resources"]) == 4
