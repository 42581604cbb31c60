"""Render a plan: the JSON document and the readable summary."""

from collections import Counter
from typing import Any

from offline.harness import PlanResult, Registered

# Beyond this many custom children of one type, the tree says "and N more".
_SHOWN_PER_TYPE = 5


def plan_document(result: PlanResult) -> dict[str, Any]:
    """The `--json` document, exactly the documented keys.

    The stack itself is not a resource of the document: a top-level resource's
    parent is null rather than the URN of the implicit `pulumi:pulumi:Stack`.
    """
    project, stack = result.project, result.stack
    stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    return {
        "stack": result.stack,
        "project": result.project,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": None if r.parent == stack_urn else r.parent,
                "custom": r.custom,
                "inputs": r.inputs,
                "depends_on": r.depends_on,
                "protect": r.protect,
                "id": r.id,
                "outputs": r.outputs,
                "dependencies": r.dependencies,
                "property_dependencies": r.property_dependencies,
                "provider": r.provider,
                "ignore_changes": r.ignore_changes,
            }
            for r in result.resources
        ],
        "outputs": result.outputs,
    }


def _tree_lines(result: PlanResult, node: Registered, depth: int) -> list[str]:
    indent = "  " * depth
    lines = [f"{indent}{node.name} ({node.type})"]
    children = result.children(node.urn)
    components = [c for c in children if not c.custom]
    customs = [c for c in children if c.custom]
    by_type: dict[str, list[Registered]] = {}
    for child in customs:
        by_type.setdefault(child.type, []).append(child)
    for type_token, group in by_type.items():
        for child in group[:_SHOWN_PER_TYPE]:
            flag = " [protect]" if child.protect else ""
            lines.append(f"{indent}  - {child.name} ({type_token}){flag}")
        if len(group) > _SHOWN_PER_TYPE:
            lines.append(f"{indent}  - ... and {len(group) - _SHOWN_PER_TYPE} more {type_token}")
    for comp in components:
        lines.extend(_tree_lines(result, comp, depth + 1))
    return lines


def summary(result: PlanResult) -> str:
    """Counts by type, then the tree of components with their children."""
    counts = Counter(r.type for r in result.resources)
    custom = sum(1 for r in result.resources if r.custom)
    lines = [
        f"Offline plan of stack '{result.stack}' (project '{result.project}'): "
        f"{len(result.resources)} resources, {custom} custom, {len(result.resources) - custom} components",
        "",
        "Resources by type:",
    ]
    width = max((len(t) for t in counts), default=0)
    for type_token, n in sorted(counts.items()):
        lines.append(f"  {type_token.ljust(width)}  {n:>5}")
    lines += ["", "Tree:"]
    roots = [
        r
        for r in result.resources
        if r.parent is None
        or r.parent.endswith("::pulumi:pulumi:Stack::" + f"{result.project}-{result.stack}")
    ]
    for root in roots:
        lines.extend(_tree_lines(result, root, 1))
    lines += ["", "Outputs:"]
    for key, value in result.outputs.items():
        lines.append(f"  {key}: {value}")
    return "\n".join(lines)
