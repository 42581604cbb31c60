"""The lab part of a stack: everything on Proxmox VE."""

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.proxmox.clone_lanes import CloneLanes
from components.proxmox.project import Project, ProjectArgs
from components.proxmox.student_fleet import StudentFleet, StudentFleetArgs
from config import StackConfig
from config.lab import LabConfig
from stacks.providers import proxmox_provider

DEFAULT_CLONE_CONCURRENCY = 5
"""Clones of one template at once when the stack has no fleet settings."""


def build_lab(cfg: StackConfig, lab: LabConfig) -> None:
    """Declare the lab's resources through one explicit Proxmox provider."""
    provider = proxmox_provider(f"{cfg.stack}-proxmox", lab)
    inventory = cfg.inventory
    lanes = CloneLanes(lab.fleet.clone_concurrency if lab.fleet is not None else DEFAULT_CLONE_CONCURRENCY)
    if lab.fleet is not None and inventory.students:
        fleet = StudentFleet(
            "students",
            StudentFleetArgs(
                students=inventory.students,
                fleet=lab.fleet,
                provider=provider,
                lanes=lanes,
                protect=cfg.is_prod,
            ),
        )
        pulumi.export("students", fleet.machines)

    workspaces: dict[str, proxmoxve.PoolLegacy] = {}
    projects: dict[str, object] = {}
    for env in inventory.projects:
        workspace = env.spec.workspace
        if workspace not in workspaces:
            workspaces[workspace] = proxmoxve.PoolLegacy(
                f"workspace-{workspace}",
                pool_id=workspace,
                comment=f"Project workspace {workspace}",
                opts=pulumi.ResourceOptions(provider=provider),
            )
        project = Project(
            f"project-{env.name}",
            ProjectArgs(
                project=env,
                pool_id=workspaces[workspace].pool_id,
                provider=provider,
                lanes=lanes,
                protect=cfg.is_prod,
            ),
        )
        projects[env.name] = project.machines
    if projects:
        pulumi.export("projects", projects)
