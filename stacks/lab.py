"""The lab part of a stack: everything on Proxmox VE."""

import pulumi
import pulumi_proxmoxve as proxmoxve

from components.ansible.playbook import SshEndpoint
from components.proxmox.clone_lanes import CloneLanes
from components.proxmox.project import Project, ProjectAnsibleArgs, ProjectArgs
from components.proxmox.student_fleet import StudentFleet, StudentFleetArgs
from config import StackConfig
from config.lab import LabConfig
from stacks.providers import command_provider, proxmox_provider

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

    ansible = _project_ansible(lab)
    # The runs' commands go through an explicit provider too, inherited from each Project.
    runs = [env for env in inventory.projects if env.spec.ansible is not None]
    command = command_provider(f"{cfg.stack}-projects-command") if ansible is not None and runs else None
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
                ansible=ansible,
            ),
            opts=pulumi.ResourceOptions(providers=[command] if command is not None else None),
        )
        projects[env.name] = project.machines
    if projects:
        pulumi.export("projects", projects)


def _project_ansible(lab: LabConfig) -> ProjectAnsibleArgs | None:
    settings = lab.project_ansible
    if settings is None or lab.project_ansible_target_key is None:
        return None
    provisioner = None
    if settings.provisioner is not None and lab.project_ansible_provisioner_key is not None:
        provisioner = SshEndpoint(
            host=settings.provisioner.host,
            user=settings.provisioner.user,
            port=settings.provisioner.port,
            private_key=pulumi.Output.secret(lab.project_ansible_provisioner_key.get_secret_value()),
        )
    return ProjectAnsibleArgs(
        target_private_key=pulumi.Output.secret(lab.project_ansible_target_key.get_secret_value()),
        target_user=settings.target_user,
        vm_user=settings.vm_user,
        mode=settings.mode,
        provisioner=provisioner,
    )
