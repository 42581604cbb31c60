"""Project environments: one YAML file per project in `config/projects/<stack>/`.

The format is the one the school already writes (keys as they are, `ct` and
`vm` lists, `ssh-public-keys`, an `ansible` section); numbers may be written as
strings. Problems name the file, the machine and the key.
"""

import re
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from typing import Annotated, Any, Self, cast

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from config import yamlfile
from config.base import Model
from config.paths import shown

HOSTNAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
"""A DNS label, or an FQDN (`cloud.prod.pft.cri.local.isima.fr`): the machine's hostname is then
the first label and the FQDN goes to DNS and `/etc/hosts`."""
ANSIBLE_DIR = "ansible"
"""Project playbooks live in this directory of the repository (the tree the playbook runs copy)."""
PROJECT_PLAYBOOKS = "ansible/playbooks/projects"
"""Where a bare playbook name (`playbook: profan-transfert.yml`) is looked up."""
PROJECT_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


def _gigabytes(value: Any) -> Any:
    # Existing files write `rootfs: 20`, `"20"` or `20G`.
    if isinstance(value, str) and value.strip().upper().endswith("G"):
        return value.strip()[:-1]
    return value


def _tag_list(value: Any) -> Any:
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    return value


class FileModel(BaseModel):
    """Keys exactly as the school's files spell them; unknown keys rejected."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, use_attribute_docstrings=True
    )


class Machine(FileModel):
    """One `ct` or `vm` item."""

    description: str = ""
    """Free text, shown as the machine's description in Proxmox."""
    node: str = Field(min_length=1)
    """Proxmox node that runs the machine."""
    memory: int = Field(ge=64)
    """MiB."""
    cores: int = Field(ge=1, le=512)
    """vCPUs."""
    hostname: str = Field(pattern=HOSTNAME_PATTERN, max_length=253)
    """Hostname of the machine: a DNS label, or an FQDN whose first label is the hostname."""
    base: str = Field(min_length=1)
    """A base name of `lab:projectBases`, e.g. `dirs-nfs:debian-11-standard`."""
    storage: str = Field(min_length=1)
    """Datastore of the root disk."""
    net0: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """Bridge."""
    rootfs: Annotated[int, BeforeValidator(_gigabytes)] = Field(ge=1)
    """Root disk size in GB."""
    ip: IPv4Interface
    """Address with prefix."""
    gw: IPv4Address
    """Default gateway; must be on-link for `ip`."""
    ssh_public_keys: str = Field(alias="ssh-public-keys", min_length=1)
    """Name of a key set of `lab:sshKeySets`."""
    guacamole: bool = False
    """Register the machine in Guacamole (`lab:guacamole`); default false."""

    @property
    def short_hostname(self) -> str:
        """The machine's own hostname: the first label of `hostname`."""
        return self.hostname.split(".", 1)[0]

    @property
    def domain(self) -> str | None:
        """The rest of an FQDN `hostname` (its DNS domain), or None for a bare label."""
        parts = self.hostname.split(".", 1)
        return parts[1] if len(parts) == 2 else None

    @model_validator(mode="after")
    def _gateway_on_link(self) -> Self:
        if self.gw not in self.ip.network:
            raise ValueError(f"gw {self.gw} is not in the network of ip {self.ip} ({self.ip.network})")
        return self


# Words that make an extra-var a secret: those go to `lab:projectSecrets` (encrypted), never in
# a committed project file. Matched on the key's words (`db_password`, `apiKey`, `vault-token`).
_SECRET_WORDS = re.compile(
    r"(^|_)(password|passwd|passphrase|pass|pwd|secret|secrets|token|apikey|api_key|private_key|privatekey"
    r"|credential|credentials|access_key|secret_key)(_|$)"
)


def secret_like(key: str) -> bool:
    """Whether an extra-var's name says it holds a secret."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower()
    return bool(_SECRET_WORDS.search(re.sub(r"[^a-z0-9]+", "_", words)))


def _secret_keys(value: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in cast(dict[Any, Any], value).items():
            here = f"{path}.{key}" if path else str(key)
            found += [here] if secret_like(str(key)) else _secret_keys(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(cast(list[Any], value)):
            found += _secret_keys(item, f"{path}[{i}]")
    return found


class AnsibleRun(FileModel):
    """The project's one Ansible run over its machines."""

    group: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Inventory group holding every machine of the project; not `all` or `ungrouped`."""
    playbook: str = Field(min_length=1)
    """Playbook path relative to the repository root, or a bare file name looked up in
    `ansible/playbooks/projects/`."""
    tags: Annotated[list[str], BeforeValidator(_tag_list)] = Field(default_factory=list[str])
    """Ansible tags to run (a list, or one comma-separated string)."""
    extravars: dict[str, Any] = Field(default_factory=dict[str, Any])
    """Passed as extra-vars, as is; no secret (a key such as `db_password` is refused)."""

    @field_validator("group")
    @classmethod
    def _own_group(cls, group: str) -> str:
        if group in ("all", "ungrouped"):
            raise ValueError(
                f"{group!r} is one of Ansible's implicit groups; expected a group name of the project's own"
            )
        return group

    @field_validator("playbook")
    @classmethod
    def _yaml_playbook(cls, playbook: str) -> str:
        if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.ya?ml$", playbook):
            raise ValueError(
                f"{playbook!r}: expected a playbook file ending in .yml or .yaml "
                "(letters, digits, '_', '.', '-' and '/')"
            )
        return playbook

    @field_validator("tags")
    @classmethod
    def _plain_tags(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", tag):
                raise ValueError(
                    f"tag {tag!r}: expected one tag per item (letters, digits, '_', '.', '-'); "
                    'write `tags: [web, db]` or `tags: "web,db"`'
                )
        return tags

    @field_validator("extravars")
    @classmethod
    def _no_secrets(cls, extravars: dict[str, Any]) -> dict[str, Any]:
        found = _secret_keys(extravars)
        if found:
            raise ValueError(
                f"{', '.join(found)}: looks like a secret, committed in plaintext here; set it with "
                "`pulumi config set --secret --path 'lab:projectSecrets.<project>.<name>' ...` instead "
                "(it reaches the run as an extra-var of that name)"
            )
        return extravars


class Project(FileModel):
    """One project file."""

    cluster: str = Field(min_length=1)
    """Proxmox cluster the project runs on (recorded as a tag)."""
    workspace: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """Workspace: the Proxmox pool of the project's machines."""
    ct: list[Machine] = Field(default_factory=list[Machine])
    vm: list[Machine] = Field(default_factory=list[Machine])
    ansible: AnsibleRun | None = None


class ProjectBase(Model):
    """`lab:projectBases.<name>`: what a project file's `base` means on the nodes."""

    volume_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+:vztmpl/\S+$")
    """Container template archive (containers only)."""
    template_vmid: int | None = Field(default=None, ge=100, le=999_999_999)
    """Template to clone: a container template for `ct`, a VM template for `vm`."""
    node: str | None = None
    """Node holding the template; default: the machine's node."""
    os_type: str = "debian"
    """Operating system Proxmox configures containers of this base for."""
    guest_agent: bool = Field(
        default=False,
        description=(
            "VM templates only: the template has qemu-guest-agent installed and enabled. Only then do "
            "its VMs get Proxmox's agent option: with it on, the provider waits for the agent to answer "
            "(up to its 15 min timeout) and fails when the template has none. Project VMs have static "
            "addresses, so nothing needs the agent's IP report. Changing it updates the VM in place."
        ),
    )

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.guest_agent and self.template_vmid is None:
            raise ValueError("guestAgent applies to a VM template (templateVmid), not to a volumeId archive")
        if (self.volume_id is None) == (self.template_vmid is None):
            raise ValueError("set exactly one of volumeId and templateVmid")
        return self


class LoadedProject(FileModel):
    """A project with its name (the file's stem) and where it came from."""

    name: str
    source: str
    spec: Project


class ProjectContext(FileModel):
    """What project files are checked against."""

    bases: dict[str, ProjectBase]
    key_sets: dict[str, list[str]]
    root: Path
    nodes: tuple[str, ...] = ()
    """Nodes of `lab:proxmox.ssh.nodes`; empty: any node name is accepted."""


def playbook_path(playbook: str) -> str:
    """The playbook's path from the repository root: a bare file name lives in `PROJECT_PLAYBOOKS`."""
    return playbook if "/" in playbook else f"{PROJECT_PLAYBOOKS}/{playbook}"


def _machine_problems(
    where: str, kind: str, index: int, machine: Machine, known: ProjectContext
) -> list[str]:
    at = f"{where}: {kind}[{index}] ({machine.hostname})"
    problems: list[str] = []
    base = known.bases.get(machine.base)
    if base is None:
        problems.append(
            f"{at}: base: unknown base {machine.base!r}; expected one of "
            f"{', '.join(sorted(known.bases)) or '(none)'} (lab:projectBases)"
        )
    elif kind == "vm" and base.template_vmid is None:
        problems.append(
            f"{at}: base: {machine.base!r} is a container archive; a vm needs a templateVmid base"
        )
    if known.nodes and machine.node not in known.nodes:
        problems.append(
            f"{at}: node: unknown node {machine.node!r}; expected one of {', '.join(known.nodes)} "
            "(lab:proxmox.ssh.nodes)"
        )
    if machine.ssh_public_keys not in known.key_sets:
        problems.append(
            f"{at}: ssh-public-keys: unknown key set {machine.ssh_public_keys!r}; expected one of "
            f"{', '.join(sorted(known.key_sets)) or '(none)'} (lab:sshKeySets)"
        )
    return problems


def load_project(path: Path, known: ProjectContext) -> tuple[LoadedProject | None, list[str]]:
    """One project file and the problems found in it."""
    where = shown(path)
    name = path.stem
    if not re.match(PROJECT_NAME_PATTERN, name):
        return None, [f"{where}: file name: {name!r} is not a valid project name (a-z, 0-9 and -)"]
    try:
        doc: Any = yamlfile.parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return None, [f"{where}: {yamlfile.problem(exc)}"]
    if not isinstance(doc, dict):
        return None, [f"{where}: expected a mapping with cluster, workspace, ct, vm and ansible"]
    try:
        spec = Project.model_validate(cast(dict[str, Any], doc))
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            loc = list(err["loc"])
            key = ""
            for part in loc:
                key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "missing; this key is required"
            elif "extravars" in loc:
                pass  # never echo the value: it may be the very secret the rule refuses
            else:
                msg = f"{msg}, got {err.get('input')!r}"
            problems.append(f"{where}: {key or 'file'}: {msg}")
        return None, problems
    problems = []
    seen: set[str] = set()
    for kind, machines in (("ct", spec.ct), ("vm", spec.vm)):
        for index, machine in enumerate(machines):
            if machine.hostname in seen:
                problems.append(
                    f"{where}: {kind}[{index}].hostname: duplicate {machine.hostname!r} in the project"
                )
            seen.add(machine.hostname)
            problems += _machine_problems(where, kind, index, machine, known)
    if not seen:
        problems.append(f"{where}: ct, vm: the project declares no machine")
    bare = spec.ansible is not None and "/" not in spec.ansible.playbook
    if spec.ansible is not None:
        # The school's files name a playbook bare; the component reads the resolved path.
        resolved = playbook_path(spec.ansible.playbook)
        spec = spec.model_copy(update={"ansible": spec.ansible.model_copy(update={"playbook": resolved})})
    playbook = Path(spec.ansible.playbook) if spec.ansible is not None else None
    if playbook is not None and (playbook.parts[:1] != (ANSIBLE_DIR,) or ".." in playbook.parts):
        problems.append(
            f"{where}: ansible.playbook: {str(playbook)!r} is outside {ANSIBLE_DIR}/, "
            "the tree copied to the provisioner"
        )
    elif spec.ansible is not None and not (known.root / spec.ansible.playbook).is_file():
        problems.append(
            f"{where}: ansible.playbook: no such playbook {spec.ansible.playbook!r} "
            + (
                f"(a bare name is looked up in {PROJECT_PLAYBOOKS}/)"
                if bare
                else "(paths are relative to the repository root)"
            )
        )
    return (None if problems else LoadedProject(name=name, source=where, spec=spec)), problems


def load_projects(directory: Path, known: ProjectContext) -> tuple[list[LoadedProject], list[str]]:
    """Every project file of a directory (none when the directory is absent), in name order."""
    projects: list[LoadedProject] = []
    problems: list[str] = []
    if not directory.is_dir():
        return projects, problems
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    for path in files:
        project, found = load_project(path, known)
        problems += found
        if project is not None:
            projects.append(project)
    hosts: dict[str, str] = {}
    for project in projects:
        for machine in [*project.spec.ct, *project.spec.vm]:
            other = hosts.get(machine.hostname)
            if other is not None:
                problems.append(
                    f"{project.source}: hostname: {machine.hostname!r} is also declared by {other}; "
                    "hostnames must be unique across projects"
                )
            hosts[machine.hostname] = project.source
    return projects, problems
