"""`python -m offline.imports --stack NAME --out FILE`: adopt the pool memberships of a deployed stack.

Containers created before pool memberships existed joined their pool through
their own `pool_id`. Proxmox refuses to add a guest to a pool that already
holds it ("VM N is already a pool member"), so on such a stack the first
`pulumi up` would fail to create those memberships. This writes the file
`pulumi import --file FILE --protect=false --generate-code=false` takes to
record them as they are instead (id `{pool}/vm/{vmid}`, the provider's import
format), with their parents and provider, so the next `up` has nothing to do
for them. See docs/operations.md.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from config import ConfigError
from offline.harness import PlanResult
from offline.plan import plan_stack

MEMBERSHIP = "proxmoxve:pool/membership:Membership"


def _urn(reference: str) -> str:
    # A provider reference is `<urn>::<id>`; the name table takes the URN.
    return reference.rsplit("::", 1)[0]


def membership_imports(result: PlanResult) -> dict[str, Any]:
    """The bulk import document of every pool membership the plan declares."""
    names: dict[str, str] = {}
    resources: list[dict[str, Any]] = []

    def ref(urn: str) -> str:
        # Logical names repeat across types: the table key is the name, made unique when needed.
        name, n = urn.rsplit("::", 1)[-1], 1
        key = name
        while names.setdefault(key, urn) != urn:
            n += 1
            key = f"{name}-{n}"
        return key

    for record in result.of_type(MEMBERSHIP):
        entry: dict[str, Any] = {
            "type": record.type,
            "name": record.name,
            "id": f"{record.inputs['poolId']}/vm/{int(record.inputs['vmId'])}",
        }
        if record.parent and not record.parent.endswith(
            "::pulumi:pulumi:Stack::" + f"{result.project}-{result.stack}"
        ):
            entry["parent"] = ref(record.parent)
        if record.provider:
            entry["provider"] = ref(_urn(record.provider))
        resources.append(entry)
    return {"nameTable": names, "resources": resources}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m offline.imports", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--stack", required=True)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    args = parser.parse_args(argv)
    try:
        result = plan_stack(args.stack)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    doc = membership_imports(result)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"{len(doc['resources'])} pool memberships of {args.stack} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
