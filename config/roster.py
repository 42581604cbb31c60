"""The student roster (`lab:roster`): a YAML or CSV file, validated row by row.

YAML: `students: [{login, name, uid, group, profile}]`. CSV: the same header
(school exports). Every problem is reported at once, naming the file, the row,
the login and the key.
"""

import csv
import re
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import Field, ValidationError

from config import yamlfile
from config.base import Model
from config.fleet import NAME_PATTERN, FleetConfig
from config.paths import shown

FIELDS = ("login", "name", "uid", "group", "profile")

# Debian's user names (adduser's NAME_REGEX, with `.` and `_` that directories use).
LOGIN_PATTERN = r"^[a-z_][a-z0-9_.-]{0,31}$"

SYSTEM_LOGINS = frozenset(
    {
        # Debian's base-passwd: its users (/usr/share/base-passwd/passwd.master) and the names of
        # its privileged groups (group.master), which no directory user should share...
        *("root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp"),
        *("proxy", "www-data", "backup", "list", "irc", "gnats", "_apt", "nobody", "nogroup"),
        *("adm", "sudo", "staff", "users", "operator", "shadow", "utmp", "disk", "kmem", "tty"),
        # ...the accounts the container's own packages create (systemd, ssh, sssd, dbus)...
        *("systemd-network", "systemd-resolve", "systemd-timesync", "systemd-coredump"),
        *("messagebus", "sshd", "polkitd", "sssd", "postfix", "ntp", "_chrony", "tss", "uuidd"),
        # ...and the lab's own: the project runs' and the GNS3 server's default users.
        *("admin", "ansible", "debian", "ubuntu", "pve-join"),
    }
)
"""Logins refused in the roster: a directory user of that name would shadow (or be shadowed by)
the container's own account of the same name, and `root` would get the student's home mounted."""


class Student(Model):
    """One roster row."""

    login: str = Field(pattern=LOGIN_PATTERN)
    """Directory user name; the container is `vm-<login>`."""
    name: str = Field(min_length=1, max_length=200)
    """Full name, in the container's description."""
    uid: int
    """Directory UID, inside the mapped high range."""
    group: str = Field(pattern=NAME_PATTERN, max_length=40)
    """Class or group; a tag and a Proxmox pool."""
    profile: str = Field(min_length=1)
    """Name of a profile of `lab:fleet.profiles`."""


def hostname_for(login: str) -> str:
    """`vm-<login>` made a valid DNS label (what the DHCP server registers)."""
    label = re.sub(r"[^a-z0-9-]+", "-", f"vm-{login.lower()}")
    label = re.sub(r"-{2,}", "-", label).strip("-")
    return label[:63].rstrip("-")


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """Raw rows; raises ValueError with a sentence on unreadable files."""
    if not path.is_file():
        raise ValueError("no such file; lab:roster is relative to the repository root")
    # utf-8-sig: spreadsheet exports start with a byte-order mark.
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        lines = text.splitlines()
        # French spreadsheets export with `;`; the header says which one the file uses.
        header_line = lines[0] if lines else ""
        delimiter = max(",;\t", key=header_line.count)
        reader = csv.DictReader(lines, delimiter=delimiter)
        header = tuple(reader.fieldnames or ())
        twice = sorted({h for h in header if header.count(h) > 1})
        if twice:
            # csv.DictReader keeps the last of two equal columns: say so rather than judge the rows.
            raise ValueError(
                f"CSV header names column {', '.join(twice)} twice; expected each of {','.join(FIELDS)} once"
            )
        if set(header) != set(FIELDS):
            raise ValueError(f"CSV header is {','.join(header)}; expected {','.join(FIELDS)}")
        csv_rows: list[dict[str, Any]] = []
        for raw in reader:
            # DictReader files extra fields under the key None and fills missing ones with None.
            row: dict[Any, Any] = dict(raw)
            extra: list[Any] = row.pop(None, None) or []
            count = len(header) + len(extra) - sum(1 for v in row.values() if v is None)
            csv_rows.append(row if count == len(header) else {"login": row.get("login"), "_fields": count})
        return csv_rows
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError("expected a .yaml, .yml or .csv file")
    try:
        doc: Any = yamlfile.parse(text)
    except yaml.YAMLError as exc:
        raise ValueError(yamlfile.problem(exc)) from None
    if not isinstance(doc, dict) or not isinstance(cast(dict[str, Any], doc).get("students"), list):
        raise ValueError("expected a mapping with a `students:` list")
    rows = cast(list[Any], cast(dict[str, Any], doc)["students"])
    return [cast(dict[str, Any], r) if isinstance(r, dict) else {"_": r} for r in rows]


def load_roster(path: Path, fleet: FleetConfig) -> tuple[list[Student], list[str]]:
    """Students of a roster file and the problems found (empty when valid)."""
    where = shown(path)
    try:
        rows = _read_rows(path)
    except ValueError as exc:
        return [], [f"{where}: {exc}"]
    students: list[Student] = []
    problems: list[str] = []
    logins: dict[str, int] = {}
    uids: dict[int, int] = {}
    hostnames: dict[str, str] = {}
    ids = fleet.directory_ids
    for number, row in enumerate(rows, start=1):
        login = str(row.get("login", "?"))
        at = f"{where}: row {number} (login {login!r})"
        if "_fields" in row:
            problems.append(
                f"{at}: {row['_fields']} fields where the header has {len(FIELDS)}; "
                "quote a value that contains the delimiter"
            )
            continue
        try:
            student = Student.model_validate(row)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"]) or "row"
                msg = str(err["msg"]).removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    msg = f"unknown column; expected {', '.join(FIELDS)}"
                elif err["type"] == "missing":
                    msg = "missing"
                elif err["type"] == "string_pattern_mismatch" and key == "login":
                    msg = "not a valid Unix user name (lowercase letter or _, then a-z 0-9 _ . -, 32 at most)"
                problems.append(f"{at}: {key}: {msg}, got {err.get('input')!r}")
            continue
        if student.login in logins:
            problems.append(f"{at}: login: duplicate of row {logins[student.login]}; logins must be unique")
            continue
        logins[student.login] = number
        if student.login in SYSTEM_LOGINS:
            problems.append(
                f"{at}: login: {student.login!r} is a system account of the containers; "
                "expected a directory user's own login"
            )
        if student.uid in uids:
            problems.append(
                f"{at}: uid: {student.uid} is also the uid of row {uids[student.uid]}; uids must be unique "
                "(one owner per home directory)"
            )
        uids.setdefault(student.uid, number)
        if not ids.start <= student.uid <= ids.end:
            problems.append(
                f"{at}: uid: {student.uid} is outside the mapped directory range "
                f"{ids.start}..{ids.end} (lab:fleet.directoryIds)"
            )
        if student.profile not in fleet.profiles:
            problems.append(
                f"{at}: profile: unknown profile {student.profile!r}; "
                f"expected one of {', '.join(sorted(fleet.profiles))} (lab:fleet.profiles)"
            )
        hostname = hostname_for(student.login)
        if hostname in hostnames:
            problems.append(
                f"{at}: login: hostname {hostname!r} is also the hostname of login "
                f"{hostnames[hostname]!r} once made a DNS label; hostnames must be unique"
            )
        hostnames[hostname] = student.login
        students.append(student)
    if not rows:
        problems.append(f"{where}: students: empty roster")
    return students, problems
