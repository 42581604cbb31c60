"""The lab part of a stack: everything on Proxmox VE."""

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_command as command
import pulumi_proxmoxve as proxmoxve
from pydantic import HttpUrl

from components.ansible.playbook import AnsiblePlaybook, AnsiblePlaybookArgs, InventoryHost, SshEndpoint
from components.integrations.guacamole import GuacamoleRegistration, GuacamoleRegistrationArgs
from components.integrations.windows import DhcpDnsRegistration, DhcpDnsRegistrationArgs
from components.proxmox.clone_lanes import CloneLanes
from components.proxmox.cloud_init import AdminUser
from components.proxmox.gns3_server import Gns3Server, Gns3ServerArgs
from components.proxmox.project import Project, ProjectAnsibleArgs, ProjectArgs
from components.proxmox.self_service import SelfService, SelfServiceArgs
from components.proxmox.student_fleet import StudentFleet, StudentFleetArgs
from components.proxmox.template import UbuntuTemplate, UbuntuTemplateArgs
from config import StackConfig
from config.gns3 import Gns3Config
from config.lab import LabConfig
from stacks.providers import command_provider, proxmox_provider

DEFAULT_CLONE_CONCURRENCY = 5
"""Clones of one template at once when the stack has no fleet settings."""


@dataclass(frozen=True)
class Gns3Deployment:
    """The GNS3 server and the playbook run that configures it (none without `lab:ansible`)."""

    server: Gns3Server
    playbook: AnsiblePlaybook | None


@dataclass(frozen=True)
class AnsibleAccess:
    """`lab:ansible` and its two secrets, as every playbook run of the lab takes them."""

    mode: Literal["remote", "local"]
    """Where ansible-playbook runs."""
    provisioner: SshEndpoint | None
    """The host with Ansible installed (remote mode)."""
    target_private_key: pulumi.Output[str]
    """Secret. Logs Ansible in to the GNS3 server and the project machines."""
    commands: command.Provider
    """The one explicit provider of every playbook run's commands."""


@dataclass(frozen=True)
class Lab:
    """What the lab part declared, for the stack's exports and for tests."""

    gns3: Gns3Deployment | None


def build_lab(cfg: StackConfig, lab: LabConfig) -> Lab:
    """Declare the lab's resources through one explicit Proxmox provider."""
    provider = proxmox_provider(f"{cfg.stack}-proxmox", lab)
    access = ansible_access(cfg, lab)
    gns3 = build_gns3(cfg, lab, lab.gns3, provider, access) if lab.gns3 is not None else None
    fleet = build_fleet_and_projects(cfg, lab, provider, access)
    build_integrations(cfg, lab, provider, access, fleet)
    return Lab(gns3=gns3)


def ansible_access(cfg: StackConfig, lab: LabConfig) -> AnsibleAccess | None:
    """The one way the lab's playbook runs reach their targets; none without `lab:ansible`."""
    settings = lab.ansible
    if settings is None:
        return None
    # LabConfig's validator guarantees both keys when they are needed.
    assert lab.ansible_private_key is not None
    provisioner = None
    if settings.mode == "remote":
        assert settings.provisioner is not None and lab.ansible_provisioner_private_key is not None
        provisioner = SshEndpoint(
            host=settings.provisioner.host,
            user=settings.provisioner.user,
            port=settings.provisioner.port,
            private_key=pulumi.Output.secret(lab.ansible_provisioner_private_key.get_secret_value()),
        )
    return AnsibleAccess(
        mode=settings.mode,
        provisioner=provisioner,
        target_private_key=pulumi.Output.secret(lab.ansible_private_key.get_secret_value()),
        commands=command_provider(f"{cfg.stack}-command"),
    )


def _public_url(url: HttpUrl | None) -> str | None:
    """The URL as written: pydantic adds a `/` path to a bare origin."""
    if url is None:
        return None
    text = str(url)
    return text.removesuffix("/") if url.path == "/" and not url.query else text


def _template_vm_id(cfg: StackConfig, gns3: Gns3Config, provider: proxmoxve.Provider) -> pulumi.Input[int]:
    build = gns3.template.build
    if build is None:
        assert gns3.template.vm_id is not None
        return gns3.template.vm_id
    template = UbuntuTemplate(
        f"{cfg.stack}-template",
        UbuntuTemplateArgs(
            node=gns3.node,
            vm_id=build.vm_id,
            name=build.name,
            image_url=str(build.image_url),
            image_checksum=build.image_checksum,
            image_datastore=build.image_datastore,
            datastore=build.datastore,
            disk_size_gb=build.disk_size_gb,
            disk_interface=gns3.disk.interface,
            bridge=gns3.network.bridge,
            protect=cfg.is_prod,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    return template.vm_id


def build_gns3(
    cfg: StackConfig,
    lab: LabConfig,
    gns3: Gns3Config,
    provider: proxmoxve.Provider,
    access: AnsibleAccess | None,
) -> Gns3Deployment:
    """The GNS3 server VM, then the playbook that installs Docker and GNS3 on it."""
    keys = list(lab.admin_ssh_public_keys)
    if lab.ansible is not None and lab.ansible.public_key not in keys:
        keys.append(lab.ansible.public_key)
    net = gns3.network
    server = Gns3Server(
        f"{cfg.stack}-gns3",
        Gns3ServerArgs(
            node=gns3.node,
            vm_id=gns3.vm_id,
            name=gns3.name,
            hostname=gns3.hostname,
            fqdn=gns3.fqdn,
            template_vm_id=_template_vm_id(cfg, gns3, provider),
            address=str(net.address),
            gateway=str(net.gateway),
            dns_servers=[str(s) for s in net.dns_servers],
            search_domain=net.search_domain,
            admin=AdminUser(name=gns3.admin_user, ssh_public_keys=keys),
            timezone=gns3.timezone,
            full_clone=gns3.full_clone,
            clone_retries=gns3.clone_retries,
            cores=gns3.cores,
            cpu_type=gns3.cpu_type,
            memory_mib=gns3.memory_mib,
            disk_datastore=gns3.disk.datastore,
            disk_size_gb=gns3.disk.size_gb,
            disk_interface=gns3.disk.interface,
            bridge=net.bridge,
            vlan=net.vlan,
            snippets_datastore=gns3.snippets_datastore,
            port=gns3.port,
            reverse_proxy_url=_public_url(gns3.reverse_proxy_url),
            protect=cfg.is_prod,
        ),
        opts=pulumi.ResourceOptions(providers=[provider]),
    )
    playbook = None
    if access is not None:
        playbook = AnsiblePlaybook(
            f"{cfg.stack}-gns3-configure",
            AnsiblePlaybookArgs(
                playbook="gns3.yml",
                groups={"gns3": [InventoryHost(gns3.hostname, str(net.address.ip))]},
                target_user=gns3.admin_user,
                target_private_key=access.target_private_key,
                mode=access.mode,
                provisioner=access.provisioner,
                extra_vars={"gns3_server_port": gns3.port},
                # A replaced VM comes back with new MAC addresses: configure it again.
                rerun_when=[server.mac_addresses],
            ),
            opts=pulumi.ResourceOptions(providers=[access.commands]),
        )
    pulumi.export(
        "gns3",
        {
            "vmId": server.vm_id,
            "ipAddress": server.ip_address,
            "sshCommand": server.ssh_command,
            "url": server.gns3_url,
            "reverseProxyUrl": server.reverse_proxy_url,
        },
    )
    return Gns3Deployment(server=server, playbook=playbook)


def build_fleet_and_projects(
    cfg: StackConfig, lab: LabConfig, provider: proxmoxve.Provider, access: AnsibleAccess | None
) -> StudentFleet | None:
    """The students' containers and the project environments, sharing the clone lanes."""
    inventory = cfg.inventory
    lanes = CloneLanes(lab.fleet.clone_concurrency if lab.fleet is not None else DEFAULT_CLONE_CONCURRENCY)
    fleet = None
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

    ansible = None
    if access is not None and lab.ansible is not None:
        ansible = ProjectAnsibleArgs(
            target_private_key=access.target_private_key,
            container_user=lab.ansible.projects.container_user,
            vm_user=lab.ansible.projects.vm_user,
            mode=access.mode,
            provisioner=access.provisioner,
        )
    # The runs' commands go through the lab's command provider, inherited from each Project.
    commands = access.commands if access is not None else None
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
                secrets={
                    var: pulumi.Output.secret(value.get_secret_value())
                    for var, value in lab.project_secrets.get(env.name, {}).items()
                },
            ),
            opts=pulumi.ResourceOptions(providers=[commands] if commands is not None else None),
        )
        projects[env.name] = project.machines
    if projects:
        pulumi.export("projects", projects)
    return fleet


def build_integrations(
    cfg: StackConfig,
    lab: LabConfig,
    provider: proxmoxve.Provider,
    access: AnsibleAccess | None,
    fleet: StudentFleet | None,
) -> None:
    """Self-service in Proxmox, the Guacamole and the DHCP/DNS runs, each when configured."""
    registrations = cfg.registrations
    service = lab.self_service
    if service is not None and lab.fleet is not None:
        prefix = lab.fleet.pool_prefix
        # A pool's containers exist only once the pool does: the teachers' ACL waits for them.
        members: dict[str, list[pulumi.Resource]] = {}
        if fleet is not None:
            for s in registrations.students:
                members.setdefault(f"{prefix}{s.group}", []).append(fleet.containers[s.login])
        SelfService(
            f"{cfg.stack}-self-service",
            SelfServiceArgs(
                realm=service.realm,
                bind_password=(
                    pulumi.Output.secret(lab.realm_bind_password.get_secret_value())
                    if lab.realm_bind_password is not None
                    else None
                ),
                role_id=service.role_id,
                privileges=service.privileges,
                students={s.login: s.vmid for s in registrations.students},
                # A group without students this year has no pool: its teachers get nothing to manage.
                teachers={
                    f"{prefix}{group}": logins
                    for group, logins in service.teachers.items()
                    if group in {s.group for s in registrations.students}
                },
                provider=provider,
                machines=dict(fleet.containers) if fleet is not None else None,
                pools_ready=members,
            ),
        )
    guacamole = registrations.guacamole(cfg.stack, lab)
    if guacamole is not None and lab.guacamole is not None and access is not None:
        assert lab.guacamole_admin_password is not None  # LabConfig requires it with lab:guacamole
        GuacamoleRegistration(
            f"{cfg.stack}-guacamole",
            GuacamoleRegistrationArgs(
                desired=guacamole,
                url=lab.guacamole.base_url,
                data_source=lab.guacamole.data_source,
                admin_user=lab.guacamole.admin_user,
                admin_password=pulumi.Output.secret(lab.guacamole_admin_password.get_secret_value()),
                create_users=lab.guacamole.create_users,
                runner=access.provisioner,
            ),
            # Not ordered after the containers either: a connection to a container still being cloned
            # only fails until it is up, while waiting for all 600 would hold every edit behind one
            # failed clone.
            opts=pulumi.ResourceOptions(providers=[access.commands]),
        )
    dhcp_dns = registrations.dhcp_dns(cfg.stack, lab)
    if dhcp_dns is not None and lab.windows is not None:
        assert lab.windows_ssh_private_key is not None  # LabConfig requires it with lab:windows
        # Not ordered after the containers: it needs only their MACs, known up front, so it runs
        # alongside the clones and a container's first DHCP request usually finds its reservation.
        commands = access.commands if access is not None else command_provider(f"{cfg.stack}-command")
        DhcpDnsRegistration(
            f"{cfg.stack}-dhcp-dns",
            DhcpDnsRegistrationArgs(
                desired=dhcp_dns,
                host=lab.windows.host,
                user=lab.windows.user,
                port=lab.windows.port,
                private_key=pulumi.Output.secret(lab.windows_ssh_private_key.get_secret_value()),
            ),
            opts=pulumi.ResourceOptions(providers=[commands]),
        )
