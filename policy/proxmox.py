"""Proxmox VE: containers never run privileged."""

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policy.common import UNKNOWN, UndecidedError, plain

CONTAINER = "proxmoxve:index/containerLegacy:ContainerLegacy"


def _unprivileged(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != CONTAINER:
        return
    # Absent means privileged: the provider's default is `unprivileged = false`.
    unprivileged = plain(args.props).get("unprivileged")
    if unprivileged == UNKNOWN:
        raise UndecidedError(f"container '{args.name}': unprivileged is known only at the update")
    if unprivileged is not True:
        report_violation(
            f"container '{args.name}' is privileged: root in the container is root on the node; "
            "set unprivileged=True",
            args.urn,
        )


proxmox_container_unprivileged = ResourceValidationPolicy(
    name="proxmox-container-unprivileged",
    description="Proxmox LXC containers are unprivileged.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_unprivileged,
)
