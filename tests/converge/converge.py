"""`make converge`: the student first boot, run for real against a real Samba AD domain.

Like a Molecule scenario, on this machine and nothing else:
1. installs the Debian packages it needs (only those missing);
2. builds, once per package list, a Debian 12 root file system with systemd (debootstrap) and a
   local package repository holding what the first boot installs (cached outside the repository);
3. creates two network namespaces joined by a veth pair (private addresses, nothing leaves the
   machine): one runs a Samba AD domain controller (`samba-tool domain provision`, internal DNS,
   RFC 2307 attributes) and a DHCP server, the other a copy of the root file system booted with
   systemd (`systemd-nspawn -b`), its network configured by ifupdown over DHCP as Proxmox does;
4. runs `components/proxmox/scripts/student-firstboot.sh` (the file itself) in the container as
   the host hook does, checks the outcome (joined, uid, home, PAM access, DHCP client identifier),
   runs it again and checks that nothing changed;
5. prints one summary line and removes namespaces, processes and copies, also on failure.

Run as root: `venv/bin/python -m tests.converge.converge` (what `make converge` does).
"""

import argparse
import configparser
import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parents[2]
FIRSTBOOT = REPO / "components" / "proxmox" / "scripts" / "student-firstboot.sh"
CACHE = Path(os.environ.get("CAMPUS_CONVERGE_CACHE", "/var/cache/campus-converge"))
SUITE = "bookworm"

HOST_PACKAGES = (
    "debootstrap",
    "systemd-container",
    "samba",
    "samba-ad-dc",
    "samba-ad-provision",
    "winbind",
    "krb5-user",
    "dnsmasq-base",
    "dpkg-dev",
    "iproute2",
)
"""What this driver runs on the machine itself."""

ROOTFS_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "ifupdown",
    "isc-dhcp-client",
    "iproute2",
    "procps",
    "pamtester",
)
"""The container before its first boot: a systemd Debian with ifupdown and DHCP, as Proxmox's Debian
12 template, plus `pamtester` for the PAM checks."""

REALM = "campus.test"
DOMAIN = "CAMPUS"
ADMIN_PASSWORD = "Converge-Admin-1"  # only ever inside this run's namespaces
STUDENT = "jdupont"
STUDENT_UID = 600_000_123
OTHER = "ebernard"
OTHER_UID = 600_000_124
USERS_GID = 600_000_100
USER_PASSWORD = "Converge-User-1"
MAC = "bc:24:11:b3:c1:3d"
SUBNET = "10.231.7"
DC_ADDRESS = f"{SUBNET}.1"
DEADLINE_SECONDS = 600
"""The whole run, cache build included, is stopped after this."""


class ConvergeError(Exception):
    """A failed check or step; the message says which and what was seen."""


class StoppedError(ConvergeError):
    """SIGTERM, SIGINT or the deadline: clean up and stop, never hold."""


def first_boot_packages(script: Path = FIRSTBOOT) -> list[str]:
    """The packages the first boot installs (its `BASE_PACKAGES`), read from the script itself."""
    match = re.search(r"^BASE_PACKAGES=\(([^)]*)\)", script.read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise ConvergeError(f"{script}: no BASE_PACKAGES=(...) line")
    return match.group(1).split()


def cache_key(packages: Sequence[str]) -> str:
    """Cache directory name: changes when the suite or any package list changes."""
    text = "\n".join([SUITE, *ROOTFS_PACKAGES, "--", *packages])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- checks (pure functions, unit-tested in test_checks.py) -------------------------------------


def check_realmd_conf(text: str, realm: str) -> None:
    """realmd.conf has the three settings the lab needs, where realmd reads them."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    wanted = [
        ("users", "default-home", "/home/%U"),
        (realm.lower(), "fully-qualified-names", "no"),
        (realm.lower(), "automatic-id-mapping", "no"),
    ]
    for section, key, value in wanted:
        seen = parser.get(section, key, fallback=None)
        if seen is None or seen.strip().lower() != value.lower():
            raise ConvergeError(f"realmd.conf: [{section}] {key} is {seen!r}, expected {value!r}")


def check_uid(id_output: str, uid: int) -> None:
    """`id <login>` shows the directory's uidNumber."""
    match = re.match(r"uid=(\d+)\(", id_output)
    if match is None or int(match.group(1)) != uid:
        raise ConvergeError(f"id: expected uid={uid}, got {id_output.strip()!r}")


def check_home(passwd_line: str, login: str) -> None:
    """`getent passwd <login>` shows the bind-mounted home."""
    fields = passwd_line.strip().split(":")
    if len(fields) != 7 or fields[0] != login or fields[5] != f"/home/{login}":
        raise ConvergeError(f"getent passwd: expected home /home/{login}, got {passwd_line.strip()!r}")


def changed_count(output: str) -> int:
    """The number of changed steps the first boot reports on its last line."""
    found = re.findall(r"^campus-firstboot: (\d+) changed", output, re.MULTILINE)
    if not found:
        raise ConvergeError(f"first boot printed no 'campus-firstboot: N changed' line:\n{output}")
    return int(found[-1])


def check_client_id(leases: str, mac: str) -> str:
    """The DHCP server's newest lease for this MAC carries the identifier built from the MAC."""
    expected = f"01:{mac.lower()}"
    # The newest lease of this MAC (dnsmasq keeps the one from before the identifier changed).
    mine = [
        p
        for p in (line.split() for line in leases.splitlines())
        if len(p) >= 5 and p[1].lower() == mac.lower()
    ]
    if not mine:
        raise ConvergeError(f"no DHCP lease for {mac} in:\n{leases}")
    newest = max(mine, key=lambda parts: int(parts[0]))
    if newest[4].lower() != expected:
        raise ConvergeError(f"DHCP lease of {mac}: client id {newest[4]}, expected {expected}")
    return newest[2]


def diff_snapshots(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Paths whose content or presence differs between two snapshots."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


# --- machinery ---------------------------------------------------------------------------------


def run(
    cmd: Sequence[str],
    *,
    stdin: str | None = None,
    timeout: float = 120,
    check: bool = True,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, its output captured; a non-zero exit is a ConvergeError when `check`."""
    done = subprocess.run(
        list(cmd), input=stdin, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd
    )
    if check and done.returncode != 0:
        raise ConvergeError(
            f"{' '.join(cmd)} exited {done.returncode}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done


def ensure_host_packages() -> None:
    """apt-get install what is missing, nothing when everything is there."""
    missing = [
        p
        for p in HOST_PACKAGES
        if run(["dpkg-query", "-W", "-f=${db:Status-Status}", p], check=False).stdout != "installed"
    ]
    if not missing:
        return
    print(f"converge: installing {' '.join(missing)}", flush=True)
    env = ["env", "DEBIAN_FRONTEND=noninteractive"]
    run([*env, "apt-get", "update", "-qq"], timeout=300)
    run([*env, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], timeout=600)


def debian_mirror() -> str:
    """The Debian archive this machine's apt uses (the same one debootstrap then uses)."""
    override = os.environ.get("CAMPUS_DEBIAN_MIRROR")
    if override:
        return override
    sources = [*Path("/etc/apt/sources.list.d").glob("*.sources"), Path("/etc/apt/sources.list")]
    for path in sources:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for stanza in text.split("\n\n"):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.MULTILINE)
            if uris and re.search(rf"^Suites:.*\b{SUITE}\b(?!-)", stanza, re.MULTILINE):
                return uris.group(1)
        line = re.search(rf"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+{SUITE}\s", text, re.MULTILINE)
        if line:
            return line.group(1)
    raise ConvergeError(f"no apt source for {SUITE}; set CAMPUS_DEBIAN_MIRROR")


def build_cache(packages: Sequence[str]) -> Path:
    """`CACHE/<key>/rootfs` and `CACHE/<key>/repo`, built once per package list."""
    target = CACHE / cache_key(packages)
    if (target / "complete").exists():
        return target
    print(f"converge: building the Debian 12 root file system in {target}", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
    try:
        rootfs = work / "rootfs"
        run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(ROOTFS_PACKAGES)}",
                SUITE,
                str(rootfs),
                debian_mirror(),
            ],
            timeout=900,
        )
        # What the first boot installs, downloaded with the container's own apt (same versions and
        # dependencies as the real install) into a local repository the container sees offline.
        nspawn = ["systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", str(rootfs)]
        run([*nspawn, "apt-get", "update", "-qq"], timeout=300)
        run(
            [
                *nspawn,
                "env",
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--download-only",
                "--no-install-recommends",
                *packages,
            ],
            timeout=600,
        )
        repo = work / "repo"
        repo.mkdir()
        for deb in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            shutil.move(deb, repo / deb.name)
        index = run(["dpkg-scanpackages", "--multiversion", "."], cwd=repo, timeout=300)
        (repo / "Packages").write_text(index.stdout, encoding="utf-8")
        # The container has no route out: apt sees only the local repository.
        (rootfs / "etc/apt/sources.list").write_text("deb [trusted=yes] file:/srv/campus-repo ./\n")
        shutil.rmtree(rootfs / "var/lib/apt/lists")
        (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True)
        (work / "complete").write_text(" ".join(packages) + "\n")
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


@dataclass
class Lab:
    """Everything this run created, so that `close` can remove it."""

    tmp: Path
    dc_ns: str
    ct_ns: str
    dc_if: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list[subprocess.Popen[bytes]])
    container_pid: int | None = None

    @property
    def netns_etc(self) -> Path:
        """Files `ip netns exec` puts over /etc in the DC's namespace."""
        return Path("/etc/netns") / self.dc_ns

    @property
    def rootfs(self) -> Path:
        """The container's copy of the cached root file system."""
        return self.tmp / "rootfs"

    def in_dc(self, *cmd: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command in the domain controller's namespace."""
        return run(["ip", "netns", "exec", self.dc_ns, *cmd], timeout=timeout, check=check)

    def in_ct(
        self, *cmd: str, stdin: str | None = None, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the booted container (all its namespaces, like `pct exec`)."""
        if self.container_pid is None:
            raise ConvergeError("the container is not running")
        return run(
            ["nsenter", "-t", str(self.container_pid), "-a", *cmd], stdin=stdin, timeout=timeout, check=check
        )

    def start(self, cmd: Sequence[str], log: str) -> subprocess.Popen[bytes]:
        """A background process in its own session (killed as a group on close)."""
        with (self.tmp / log).open("wb") as out:
            process = subprocess.Popen(
                list(cmd),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def close(self) -> None:
        """Stop every process (the container first, politely), delete namespaces and files."""
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for ns in (self.ct_ns, self.dc_ns):
            run(["ip", "netns", "delete", ns], check=False)
        shutil.rmtree(self.netns_etc, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


@contextlib.contextmanager
def lab() -> Generator[Lab]:
    """A lab that is torn down whatever happens inside the `with`, SIGTERM included."""
    suffix = str(os.getpid())
    here = Lab(
        Path(tempfile.mkdtemp(prefix="campus-converge-")),
        f"cvdc{suffix}",
        f"cvct{suffix}",
        f"cvd{suffix}"[:15],
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise StoppedError(f"stopped by signal {signum} ({signal.Signals(signum).name})")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)}
    try:
        yield here
    finally:
        signal.alarm(0)
        here.close()
        for s, handler in previous.items():
            signal.signal(s, handler)


def wait_until(what: str, probe: Callable[[], bool], timeout: float) -> None:
    """Poll `probe` until it answers True."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise ConvergeError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def network(here: Lab) -> None:
    """Two namespaces, a veth pair between them; the container side is `eth0` with the fleet MAC."""
    run(["ip", "netns", "add", here.dc_ns])
    run(["ip", "netns", "add", here.ct_ns])
    ct_if = f"cvc{os.getpid()}"[:15]
    run(
        [
            "ip",
            "link",
            "add",
            here.dc_if,
            "netns",
            here.dc_ns,
            "type",
            "veth",
            "peer",
            ct_if,
            "netns",
            here.ct_ns,
        ]
    )
    here.in_dc("ip", "link", "set", "lo", "up")
    here.in_dc("ip", "addr", "add", f"{DC_ADDRESS}/24", "dev", here.dc_if)
    here.in_dc("ip", "link", "set", here.dc_if, "up")
    ct = ["ip", "netns", "exec", here.ct_ns, "ip", "link"]
    run([*ct, "set", ct_if, "name", "eth0"])
    run([*ct, "set", "eth0", "address", MAC])
    run([*ct, "set", "lo", "up"])
    # Proxmox brings the container's veth up before the container starts (lxc.net.0.flags = up);
    # ifupdown's dhclient does not, and fails with "Network is down" on a down link.
    run([*ct, "set", "eth0", "up"])
    # `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf: samba's own DNS updates
    # (samba_dnsupdate) then ask the DC, not this machine's resolver.
    here.netns_etc.mkdir(parents=True, exist_ok=True)
    (here.netns_etc / "resolv.conf").write_text(f"nameserver {DC_ADDRESS}\n")


def port_open(here: Lab, port: int) -> bool:
    """A TCP port of the domain controller answers (probed from its own namespace)."""
    probe = f"import socket; socket.create_connection(({DC_ADDRESS!r}, {port}), 2)"
    return here.in_dc(sys.executable, "-c", probe, check=False).returncode == 0


def domain_controller(here: Lab) -> None:
    """Provision the AD domain, add the users, start samba and the DHCP server."""
    target = here.tmp / "dc"
    conf = str(target / "etc" / "smb.conf")
    here.in_dc(
        "samba-tool",
        "domain",
        "provision",
        f"--targetdir={target}",
        f"--realm={REALM.upper()}",
        f"--domain={DOMAIN}",
        "--server-role=dc",
        "--dns-backend=SAMBA_INTERNAL",
        "--use-rfc2307",
        f"--adminpass={ADMIN_PASSWORD}",
        f"--host-ip={DC_ADDRESS}",
        "--host-name=dc1",
        f"--option=interfaces = lo {here.dc_if}",
        "--option=bind interfaces only = yes",
        "--option=dns forwarder = none",
        timeout=300,
    )
    # samba-tool takes --configfile after the subcommand.
    config = f"--configfile={conf}"
    here.in_dc("samba-tool", "group", "addunixattrs", "Domain Users", str(USERS_GID), config)
    for login, uid in ((STUDENT, STUDENT_UID), (OTHER, OTHER_UID)):
        # samba-tool wants a unixHomeDirectory with RFC 2307 attributes: the bind-mounted path, as in
        # the school's directory (users without one get realmd.conf's default-home, the same path).
        here.in_dc(
            "samba-tool",
            "user",
            "create",
            login,
            USER_PASSWORD,
            f"--uid-number={uid}",
            f"--gid-number={USERS_GID}",
            "--login-shell=/bin/bash",
            f"--unix-home=/home/{login}",
            f"--nis-domain={DOMAIN.lower()}",
            config,
        )
    here.start(
        ["ip", "netns", "exec", here.dc_ns, "samba", "-F", "--debug-stdout", f"--configfile={conf}"],
        "samba.log",
    )
    # DHCP for the container (ifupdown's dhclient, as on a Proxmox bridge); DNS is the DC.
    here.start(
        [
            "ip", "netns", "exec", here.dc_ns,
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
            f"--interface={here.dc_if}", "--bind-interfaces", "--log-dhcp", "--log-facility=-",
            f"--dhcp-range={SUBNET}.100,{SUBNET}.150,255.255.255.0,1h",
            f"--dhcp-option=option:dns-server,{DC_ADDRESS}",
            f"--dhcp-option=option:domain-name,{REALM}",
            f"--dhcp-leasefile={here.tmp / 'dnsmasq.leases'}",
            f"--pid-file={here.tmp / 'dnsmasq.pid'}",
        ],
        "dnsmasq.log",
    )  # fmt: skip
    for port, service in ((389, "LDAP"), (88, "Kerberos"), (53, "DNS")):
        wait_until(f"the domain controller's {service} (port {port})", lambda p=port: port_open(here, p), 120)
    # A cold DC on a busy machine answers its first searches slower than sssd's 6 s search
    # timeout: warm it up with the lookups sssd makes.
    for group in ("Domain Users",):
        here.in_dc(
            "samba-tool", "group", "show", group, "--attributes=gidNumber", "-H", f"ldap://{DC_ADDRESS}",
            f"-UAdministrator%{ADMIN_PASSWORD}", timeout=120,
        )  # fmt: skip


def container(here: Lab, cache: Path) -> None:
    """Copy the cached root file system, configure it as Proxmox would, boot it with systemd."""
    run(["cp", "-a", "--reflink=auto", str(cache / "rootfs"), str(here.rootfs)], timeout=300)
    etc = here.rootfs / "etc"
    (etc / "hostname").write_text(f"ct-{STUDENT}\n")
    (etc / "hosts").write_text(f"127.0.0.1 localhost\n127.0.1.1 ct-{STUDENT}.{REALM} ct-{STUDENT}\n")
    # What Proxmox writes for `ip=dhcp`.
    (etc / "network" / "interfaces").write_text(
        "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n"
    )
    home = here.tmp / "home" / STUDENT
    home.mkdir(parents=True)
    os.chown(home, STUDENT_UID, USERS_GID)
    here.start(
        [
            "systemd-nspawn", "-q", "-b", "--register=no", "--keep-unit", "--console=passive",
            f"--directory={here.rootfs}", f"--machine=ct-{STUDENT}", f"--hostname=ct-{STUDENT}",
            f"--network-namespace-path=/run/netns/{here.ct_ns}", "--resolv-conf=off",
            # nspawn drops CAP_NET_ADMIN unless it made the network itself; a Proxmox container
            # has it in its own namespace (dhclient-script adds the leased address).
            "--capability=CAP_NET_ADMIN",
            f"--bind={home}:/home/{STUDENT}", f"--bind-ro={cache / 'repo'}:/srv/campus-repo",
        ],
        "container.log",
    )  # fmt: skip
    nspawn = here.processes[-1]

    def booted() -> bool:
        if nspawn.poll() is not None:
            log = (here.tmp / "container.log").read_text(errors="replace")[-3000:]
            raise ConvergeError(f"systemd-nspawn exited {nspawn.returncode}:\n{log}")
        children = Path(f"/proc/{nspawn.pid}/task/{nspawn.pid}/children").read_text().split()
        for child in children:
            if Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                here.container_pid = int(child)
                return True
        return False

    wait_until("the container's systemd", booted, 60)


def first_boot(here: Lab) -> subprocess.CompletedProcess[str]:
    """Push the script and run it, as the host hook does with `pct push` and `pct exec`."""
    shutil.copyfile(FIRSTBOOT, here.rootfs / "usr/local/sbin/campus-firstboot")
    (here.rootfs / "usr/local/sbin/campus-firstboot").chmod(0o755)
    return here.in_ct(
        "/usr/local/sbin/campus-firstboot",
        "--login", STUDENT,
        "--realm", REALM,
        "--join-user", "Administrator",
        "--dhcp-interface", "eth0",
        "--mac", MAC,
        stdin=ADMIN_PASSWORD + "\n",
        timeout=420,
        check=False,
    )  # fmt: skip


SNAPSHOT = (
    "etc/realmd.conf",
    "etc/sssd/sssd.conf",
    "etc/krb5.keytab",
    "etc/krb5.conf",
    "etc/dhcp/dhclient.conf",
    "etc/pam.d/common-session",
    "etc/nsswitch.conf",
    "var/lib/campus/firstboot",
    "var/lib/dpkg/status",
)


def snapshot(rootfs: Path) -> dict[str, str]:
    """Content hash of what the first boot manages, file by file."""
    found: dict[str, str] = {}
    for name in SNAPSHOT:
        path = rootfs / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                found[str(file.relative_to(rootfs))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def pam(here: Lab, login: str, *tasks: str) -> subprocess.CompletedProcess[str]:
    """`pamtester login <login> <tasks>`: what `login`/sshd would ask PAM."""
    return here.in_ct("pamtester", "login", login, *tasks, stdin=USER_PASSWORD + "\n", check=False)


def lookup(here: Lab, *cmd: str) -> str:
    """An identity lookup through sssd, retried for up to a minute.

    sssd goes offline for a while when a search exceeds its timeout, which a DC started seconds
    ago on a loaded machine can cause; SIGUSR2 tells it to try the DC again.
    """
    deadline = time.monotonic() + 60
    while True:
        done = here.in_ct(*cmd, check=False)
        if done.returncode == 0:
            return done.stdout
        if time.monotonic() > deadline:
            raise ConvergeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stdout}{done.stderr}")
        here.in_ct("systemctl", "kill", "--signal=SIGUSR2", "sssd.service", check=False)
        time.sleep(2)


def verify(here: Lab) -> list[str]:
    """Every check of the first run; returns the summary's parts."""
    if REALM not in here.in_ct("realm", "list", "--name-only").stdout.split():
        raise ConvergeError("realm list --name-only does not list the realm")
    here.in_ct("adcli", "testjoin", "--domain", REALM)
    check_realmd_conf((here.rootfs / "etc/realmd.conf").read_text(), REALM)
    check_uid(lookup(here, "id", STUDENT), STUDENT_UID)
    check_home(lookup(here, "getent", "passwd", STUDENT), STUDENT)
    check_uid(lookup(here, "id", OTHER), OTHER_UID)  # known to the system: a denial below is access
    allowed = pam(here, STUDENT, "authenticate", "acct_mgmt")
    if allowed.returncode != 0:
        raise ConvergeError(f"PAM refuses {STUDENT}: {allowed.stdout}{allowed.stderr}")
    denied = pam(here, OTHER, "acct_mgmt")
    if denied.returncode == 0:
        raise ConvergeError(f"PAM lets {OTHER} in although only {STUDENT} is permitted")
    # A later boot: ifupdown's own dhclient (no -i) must send the same identifier.
    here.in_ct("ifdown", "--force", "eth0", timeout=60)
    here.in_ct("ifup", "eth0", timeout=60)
    address = check_client_id((here.tmp / "dnsmasq.leases").read_text(), MAC)
    return [
        f"joined {REALM}",
        f"uid {STUDENT_UID}",
        f"home /home/{STUDENT}",
        f"login {STUDENT} allowed, {OTHER} denied",
        f"DHCP client id 01:{MAC} on a new lease ({address})",
    ]


def converge(here: Lab) -> list[str]:
    """Build, boot, run the first boot twice and check; returns the summary's parts."""
    ensure_host_packages()
    cache = build_cache(first_boot_packages())
    network(here)
    domain_controller(here)
    container(here, cache)
    first = first_boot(here)
    if first.returncode != 0:
        raise ConvergeError(f"first run exited {first.returncode}:\n{first.stdout}{first.stderr}")
    if changed_count(first.stdout) == 0:
        raise ConvergeError(f"first run changed nothing on a fresh container:\n{first.stdout}")
    results = verify(here)
    before = snapshot(here.rootfs)
    second = first_boot(here)
    if second.returncode != 0:
        raise ConvergeError(f"second run exited {second.returncode}:\n{second.stdout}{second.stderr}")
    count = changed_count(second.stdout)
    moved = diff_snapshots(before, snapshot(here.rootfs))
    if count != 0 or moved:
        raise ConvergeError(f"second run changed {count} steps, files {moved}:\n{second.stdout}")
    results.append(f"second run: {count} changed")
    results.append(repair_old_join(here))
    return results


def repair_old_join(here: Lab) -> str:
    """A container joined by the old hook (realmd's defaults) is joined again with the lab's settings."""
    sssd = here.rootfs / "etc/sssd/sssd.conf"
    text = sssd.read_text()
    old = text.replace("use_fully_qualified_names = False", "use_fully_qualified_names = True").replace(
        "ldap_id_mapping = False", "ldap_id_mapping = True"
    )
    if old == text:
        raise ConvergeError(f"sssd.conf does not hold the settings realmd.conf asked for:\n{text}")
    sssd.write_text(old)
    here.in_ct("systemctl", "restart", "sssd.service")
    third = first_boot(here)
    if third.returncode != 0:
        raise ConvergeError(f"repair run exited {third.returncode}:\n{third.stdout}{third.stderr}")
    if "join" not in third.stdout.splitlines()[-1]:
        raise ConvergeError(f"repair run did not join again:\n{third.stdout}")
    check_uid(lookup(here, "id", STUDENT), STUDENT_UID)
    return f"old join repaired ({changed_count(third.stdout)} changed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Converge in a fresh lab, clean up; exit 0 only when every check passed."""
    parser = argparse.ArgumentParser(
        description="Prove the student first boot against a real Samba AD domain."
    )
    parser.add_argument(
        "--hold",
        type=int,
        default=0,
        metavar="SECONDS",
        help="on failure, keep the lab this long for inspection (nsenter -t <pid> -a) before cleaning up",
    )
    parser.add_argument(
        "--bootstrap",
        action="store_true",
        help="only install the Debian packages and build the cached root file system (once per machine)",
    )
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("converge: must run as root (namespaces, systemd-nspawn, apt-get)", file=sys.stderr)
        return 2
    started = time.monotonic()
    if args.bootstrap:
        # What a fresh machine does once; `make test` times it apart from the checks.
        try:
            ensure_host_packages()
            cache = build_cache(first_boot_packages())
        except (ConvergeError, subprocess.TimeoutExpired) as error:
            print(
                f"converge: bootstrap FAILED after {time.monotonic() - started:.0f}s: {error}",
                file=sys.stderr,
            )
            return 1
        print(f"converge: bootstrap ready in {time.monotonic() - started:.0f}s ({cache})")
        return 0
    try:
        with lab() as here:
            signal.alarm(DEADLINE_SECONDS)
            try:
                results = converge(here)
            except (ConvergeError, subprocess.TimeoutExpired) as error:
                if args.hold and not isinstance(error, StoppedError):
                    signal.alarm(0)
                    print(f"converge: {error}", file=sys.stderr)
                    print(
                        f"converge: holding {here.tmp}, container pid {here.container_pid}", file=sys.stderr
                    )
                    time.sleep(args.hold)
                raise
    except (ConvergeError, subprocess.TimeoutExpired) as error:
        print(f"converge: FAILED after {time.monotonic() - started:.0f}s: {error}", file=sys.stderr)
        return 1
    print(f"converge: OK in {time.monotonic() - started:.0f}s: {'; '.join(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
