"""`AnsiblePlaybook`: run an Ansible playbook against machines Pulumi just made.

In `remote` mode the run happens on a provisioner host that carries the tools
(ansible, python3), reached over SSH: the playbook tree is copied to a per-run
directory there, then `ansible-playbook` runs in it. In `local` mode it runs on
the machine that runs Pulumi. Either way it first waits until every target
accepts SSH and cloud-init has finished.

The run is keyed by one content hash over the playbook tree, the rendered
inventory and the extra-vars: it is in the triggers, so a change of any of them
replaces (re-runs) the command, and an unchanged second `pulumi up` runs
nothing. Secrets (the targets' private key, secret extra-vars) travel on the
command's stdin and land in files readable only by the run's user, removed
when the run ends; they are never on a command line, and the command's output
is neither logged nor stored in plaintext.
"""

import hashlib
import hmac
import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pulumi
import pulumi_command as command
import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
"""Relative `source_dir`s are read from here, where Pulumi runs the program."""

RUN_ROOT = ".campus-ansible"
"""Per-run directories on the provisioner, relative to its user's home (SFTP and shell agree on it)."""

_GROUP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PLAYBOOK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*\.ya?ml$")
# Caches tools leave next to playbooks: they change nothing Ansible reads.
_IGNORED_DIRS = frozenset({".ansible", ".cache", "__pycache__", ".pytest_cache"})
# `cloud-init status --wait` exits 2 when cloud-init finished with recoverable errors.
_CLOUD_INIT_WAIT = "cloud-init status --wait >/dev/null || [ $? -eq 2 ]"
# A booting target refuses connections at once, and the provider does not reliably pause between
# dial attempts: dial without limit and bound the whole wait with a create timeout instead.
_DIAL_ATTEMPTS = -1
_DIAL_TIMEOUT_S = 10
_WAIT_TIMEOUT = "20m"


@dataclass(frozen=True)
class InventoryHost:
    """One machine in the generated inventory."""

    name: str
    """Inventory hostname, the stable key of the host (e.g. `gns3vm`, a student login)."""
    address: pulumi.Input[str]
    """Address Ansible and the waits connect to (`ansible_host`)."""
    variables: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Plain host variables, JSON-serialisable; default none. Never secrets: the inventory is stored.
    Not `ansible_user`: set `user` instead, so the wait logs in as the same user."""
    user: str | None = None
    """Remote user on this host (its `ansible_user`, also the user its wait logs in as); default
    None: the run's `target_user`."""
    wait_for_cloud_init: bool | None = None
    """Wait for cloud-init on this host before the run; default None: the run's `wait_for_cloud_init`
    (a container has no cloud-init, a VM of the same run does)."""


@dataclass(frozen=True)
class SshEndpoint:
    """An SSH login: the provisioner host in remote mode."""

    host: str
    """Address or DNS name."""
    user: str
    """Remote user; needs `ansible-playbook` and `python3` on its PATH."""
    private_key: pulumi.Input[str]
    """Secret. OpenSSH private key of `user`."""
    port: int = 22
    """SSH port; default 22."""


@dataclass(frozen=True)
class AnsiblePlaybookArgs:
    """What to run, where, against whom."""

    playbook: str
    """Playbook file relative to `source_dir`, e.g. `gns3.yml`."""
    groups: Mapping[str, Sequence[InventoryHost]]
    """Inventory group name to its hosts; a host may sit in several groups."""
    target_user: str
    """Remote user on the targets (`ansible_user`), with sudo."""
    target_private_key: pulumi.Input[str]
    """Secret. Private key that logs `target_user` in on the targets."""
    mode: Literal["remote", "local"] = "remote"
    """`remote` (default): run on `provisioner` over SSH; `local`: run where Pulumi runs."""
    provisioner: SshEndpoint | None = None
    """The machine with Ansible installed; required in remote mode, unused in local mode."""
    tags: Sequence[str] = ()
    """Only run tasks with these tags (`--tags`); default all tasks."""
    extra_vars: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Extra variables (`-e`); values may be Outputs and secrets: they go through a file, never argv."""
    wait_for_cloud_init: bool = True
    """Wait for `cloud-init status --wait` on every target before the run (default), unless a host's
    `wait_for_cloud_init` says otherwise; SSH is always awaited."""
    source_dir: str = "ansible"
    """Directory of playbooks and roles, relative to the project root (or absolute); default `ansible`."""
    rerun_when: Sequence[pulumi.Input[Any]] = ()
    """Values that re-run the waits and the playbook when they change, e.g. an output that is new
    whenever a target machine is replaced; default none."""


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not _IGNORED_DIRS.intersection(rel.parts[:-1]):
            yield path


def tree_digest(root: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under `root`, in a fixed order."""
    digest = hashlib.sha256()
    for path in _files(root):
        rel = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(rel).to_bytes(8, "big") + rel + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def render_inventory(groups: Mapping[str, Sequence[tuple[str, str, Mapping[str, Any]]]], user: str) -> str:
    """A YAML inventory: `all.vars.ansible_user`, then each group with its hosts and host vars.

    :param groups: group name to `(hostname, address, variables)` triples, addresses resolved.
    """
    children: dict[str, Any] = {}
    for group in sorted(groups):
        hosts: dict[str, Any] = {}
        for name, address, variables in groups[group]:
            hosts[name] = {"ansible_host": address, **dict(sorted(variables.items()))}
        children[group] = {"hosts": hosts}
    doc = {"all": {"vars": {"ansible_user": user}, "children": children}}
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)


def content_hash(tree: str, inventory: str, extra_vars_json: str, key: str) -> str:
    """The trigger of a run: HMAC-SHA256 over the tree digest, the inventory and the extra-vars.

    Keyed with the targets' private key, so the hash can be shown in plaintext
    (in run directory names, diffs and outputs) without letting anyone test
    guesses of a secret extra-var against it.
    """
    digest = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for part in (tree, inventory, extra_vars_json):
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def run_dir_name(name: str, content: str, key: str, rerun_when: Sequence[Any]) -> str:
    """The per-run directory on the provisioner: the content hash, plus a hash of the
    `rerun_when` values when there are any (keyed like `content_hash`: they may be secrets)."""
    if not rerun_when:
        return f"{RUN_ROOT}/{name}-{content[:16]}"
    values = json.dumps(list(rerun_when), sort_keys=True, default=str)
    rerun = hmac.new(key.encode(), values.encode(), hashlib.sha256).hexdigest()
    return f"{RUN_ROOT}/{name}-{content[:16]}-{rerun[:8]}"


# Writes each member of the JSON object on stdin to a file of that name (umask 077 applies).
_UNPACK = (
    "import json, sys\n"
    "for name, text in json.load(sys.stdin).items():\n"
    "    with open(name, 'w', encoding='utf-8') as f:\n"
    "        f.write(text)\n"
)


def run_script(*, run_dir: str | None, playbook: str, tags: Sequence[str], source: str) -> str:
    """The shell script of a run; it holds no secret (those arrive on stdin).

    :param run_dir: the per-run directory (remote mode), or None for a fresh temporary one (local mode).
    :param source: where the playbook tree is: absolute, or relative to the directory the script starts in.
    """
    lines = ["set -eu", "umask 077", "start=$(pwd)"]
    if run_dir is None:
        lines += ["run=$(mktemp -d)", "trap 'rm -rf \"$run\"' EXIT"]
    else:
        lines += [f'run="$start"/{shlex.quote(run_dir)}', 'mkdir -p "$run"']
        lines += ['trap \'rm -f "$run/target_key" "$run/extra_vars.json"\' EXIT']
    lines += [
        'cd "$run"',
        f"python3 -c {shlex.quote(_UNPACK)}",
        f"cd {shlex.quote(source)}" if source.startswith("/") else f'cd "$start"/{shlex.quote(source)}',
        "export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0",
        # A new machine has a new host key: trust it on first use, per run.
        'export ANSIBLE_SSH_COMMON_ARGS="-o UserKnownHostsFile=$run/known_hosts'
        ' -o StrictHostKeyChecking=accept-new"',
    ]
    cmd = [
        "ansible-playbook",
        '-i "$run/inventory.yml"',
        '--private-key "$run/target_key"',
        '-e "@$run/extra_vars.json"',
    ]
    if tags:
        cmd.append(f"--tags {shlex.quote(','.join(tags))}")
    cmd.append(shlex.quote(playbook))
    lines.append(" ".join(cmd))
    return "\n".join(lines) + "\n"


def validate_args(args: AnsiblePlaybookArgs, source: Path) -> None:
    """Refuse arguments that would fail only at run time, naming the bad one."""
    if not _PLAYBOOK.match(args.playbook) or ".." in Path(args.playbook).parts:
        raise ValueError(f"playbook {args.playbook!r}: expected a .yml path inside {args.source_dir}")
    if not (source / args.playbook).is_file():
        raise ValueError(f"playbook {args.playbook!r}: no such file in {source}")
    if args.mode == "remote" and args.provisioner is None:
        raise ValueError("mode 'remote' needs a provisioner (the SSH host with ansible installed)")
    if not args.groups:
        raise ValueError("groups: expected at least one inventory group with hosts")
    for group, hosts in args.groups.items():
        if not _GROUP_NAME.match(group) or group in ("all", "ungrouped"):
            raise ValueError(f"group {group!r}: expected letters, digits and _ (not all/ungrouped)")
        names = [h.name for h in hosts]
        for host in hosts:
            if "ansible_user" in host.variables:
                raise ValueError(
                    f"host {host.name!r} in group {group!r}: set `user`, not the ansible_user variable"
                )
        for name in names:
            if not _HOST_NAME.match(name):
                raise ValueError(f"host {name!r} in group {group!r}: expected letters, digits, '.', '_', '-'")
        if len(set(names)) != len(names):
            raise ValueError(f"group {group!r}: each host name once, got {names}")
    for tag in args.tags:
        if not tag or "," in tag:
            raise ValueError(f"tag {tag!r}: expected a non-empty name without commas")


def _host_triples(
    args: AnsiblePlaybookArgs,
) -> pulumi.Output[dict[str, list[tuple[str, str, Mapping[str, Any]]]]]:
    flat = [(g, h) for g in sorted(args.groups) for h in args.groups[g]]
    addresses = pulumi.Output.all(*[pulumi.Output.from_input(h.address) for _, h in flat])

    def group(resolved: list[Any]) -> dict[str, list[tuple[str, str, Mapping[str, Any]]]]:
        out: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
        for (g, h), address in zip(flat, resolved, strict=True):
            variables = {**h.variables, **({"ansible_user": h.user} if h.user is not None else {})}
            out.setdefault(g, []).append((h.name, str(address), variables))
        return out

    return addresses.apply(group)


class AnsiblePlaybook(pulumi.ComponentResource):
    """Runs one playbook against generated inventory groups, again exactly when its content changes."""

    content_hash: pulumi.Output[str]
    """HMAC-SHA256 over the playbook tree, the inventory and the extra-vars; the run's trigger."""
    inventory: pulumi.Output[str]
    """The rendered YAML inventory (no secrets in it)."""
    stdout: pulumi.Output[str]
    """Secret. What ansible-playbook printed."""

    def __init__(
        self,
        name: str,
        args: AnsiblePlaybookArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("campus:ansible:Playbook", name, None, opts)
        source = Path(args.source_dir)
        source = source if source.is_absolute() else PROJECT_ROOT / source
        validate_args(args, source)

        self.inventory = _host_triples(args).apply(lambda g: render_inventory(g, args.target_user))
        extra_vars_json = pulumi.Output.from_input(dict(args.extra_vars)).apply(
            lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
        )
        tree = tree_digest(source)
        key = pulumi.Output.secret(args.target_private_key)
        # Plaintext on purpose: keyed with a secret, the hash gives nothing away (see content_hash).
        self.content_hash = pulumi.Output.unsecret(
            pulumi.Output.all(self.inventory, extra_vars_json, key).apply(
                lambda p: content_hash(tree, str(p[0]), str(p[1]), str(p[2]))
            )
        )
        triggers: list[pulumi.Input[Any]] = [self.content_hash, *args.rerun_when]
        key_file = key.apply(lambda k: k if k.endswith("\n") else k + "\n")
        stdin = pulumi.Output.secret(
            pulumi.Output.all(self.inventory, extra_vars_json, key_file).apply(
                lambda p: json.dumps(
                    {"inventory.yml": p[0], "extra_vars.json": p[1], "target_key": p[2]}, sort_keys=True
                )
            )
        )

        proxy: command.remote.ProxyConnectionArgsDict | None = None
        provisioner: command.remote.ConnectionArgsDict | None = None
        if args.mode == "remote":
            assert args.provisioner is not None
            p = args.provisioner
            secret_key = pulumi.Output.secret(p.private_key)
            proxy = {"host": p.host, "user": p.user, "port": p.port, "private_key": secret_key}
            provisioner = {"host": p.host, "user": p.user, "port": p.port, "private_key": secret_key}

        waits: list[pulumi.Resource] = []
        waited: set[str] = set()
        for group in sorted(args.groups):
            for host in args.groups[group]:
                if host.name in waited:
                    continue  # the same host in another group: one wait is enough
                waited.add(host.name)
                connection: command.remote.ConnectionArgsDict = {
                    "host": host.address,
                    "user": host.user if host.user is not None else args.target_user,
                    "private_key": key,
                    "dial_error_limit": _DIAL_ATTEMPTS,
                    "per_dial_timeout": _DIAL_TIMEOUT_S,
                }
                if proxy is not None:
                    connection["proxy"] = proxy
                cloud_init = (
                    host.wait_for_cloud_init
                    if host.wait_for_cloud_init is not None
                    else args.wait_for_cloud_init
                )
                waits.append(
                    command.remote.Command(
                        f"{name}-wait-{host.name}",
                        connection=connection,
                        create=_CLOUD_INIT_WAIT if cloud_init else "true",
                        triggers=list(args.rerun_when),
                        logging=command.remote.Logging.NONE,
                        opts=pulumi.ResourceOptions(
                            parent=self, custom_timeouts=pulumi.CustomTimeouts(create=_WAIT_TIMEOUT)
                        ),
                    )
                )

        secret_output = ["stdout", "stderr"]
        if provisioner is not None:
            # Named after everything that replaces the run: a replacement differing only in
            # `rerun_when` must not land in the old directory, which the old workdir's delete removes.
            run_dir = pulumi.Output.unsecret(
                pulumi.Output.all(self.content_hash, key, *args.rerun_when).apply(
                    lambda v: run_dir_name(name, str(v[0]), str(v[1]), v[2:])
                )
            )
            workdir = command.remote.Command(
                f"{name}-workdir",
                connection=provisioner,
                create=run_dir.apply(lambda d: f"mkdir -p -m 700 {RUN_ROOT} && mkdir -p {shlex.quote(d)}"),
                delete=run_dir.apply(lambda d: f"rm -rf {shlex.quote(d)}"),
                triggers=triggers,
                logging=command.remote.Logging.NONE,
                opts=pulumi.ResourceOptions(parent=self, depends_on=waits),
            )
            copy = command.remote.CopyToRemote(
                f"{name}-copy",
                connection=provisioner,
                source=pulumi.FileArchive(args.source_dir),
                remote_path=run_dir.apply(lambda d: f"{d}/ansible"),
                triggers=triggers,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[workdir]),
            )
            script = run_dir.apply(
                lambda d: run_script(run_dir=d, playbook=args.playbook, tags=args.tags, source=f"{d}/ansible")
            )
            run = command.remote.Command(
                f"{name}-run",
                connection=provisioner,
                create=script,
                stdin=stdin,
                triggers=triggers,
                logging=command.remote.Logging.NONE,
                add_previous_output_in_env=False,
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=[*waits, copy], additional_secret_outputs=secret_output
                ),
            )
            self.stdout = run.stdout
        else:
            local_run = command.local.Command(
                f"{name}-run",
                create=run_script(
                    run_dir=None, playbook=args.playbook, tags=args.tags, source=args.source_dir
                ),
                interpreter=["/bin/sh", "-c"],
                stdin=stdin,
                triggers=triggers,
                logging=command.local.Logging.NONE,
                add_previous_output_in_env=False,
                opts=pulumi.ResourceOptions(
                    parent=self, depends_on=waits, additional_secret_outputs=secret_output
                ),
            )
            self.stdout = local_run.stdout

        self.register_outputs(
            {"content_hash": self.content_hash, "inventory": self.inventory, "stdout": self.stdout}
        )
