"""The student containers' first boot: the host hook (rendered) and the in-container script.

Two snippets: `student-firstboot.sh` runs inside the container and is uploaded as it is committed
(the exact file `make converge` proves against a real Samba AD domain); `student-hook.sh` runs on
the node, with its settings block filled in, and pushes the first one into the container on
every start.
"""

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent / "scripts"
TEMPLATE = SCRIPTS / "student-hook.sh"
FIRSTBOOT = SCRIPTS / "student-firstboot.sh"
_SETTINGS = re.compile(r"(# --- settings \(rendered[^\n]*\n)(.*?)(# --- end of settings ---)", re.DOTALL)


@dataclass(frozen=True)
class HookSettings:
    """What the first boot does, as the host hook passes it on."""

    firstboot_volume: str = "local:snippets/campus-student-firstboot.sh"
    """Volume id of the uploaded first-boot script (`firstboot_volume()`)."""
    packages: tuple[str, ...] = ()
    """Extra Debian packages, besides what the first boot always installs."""
    realm: str | None = None
    """Directory domain to join; None: no join, no login restriction."""
    join_user: str = "pve-join"
    """Directory account that may join machines."""
    join_password_file: str = "/root/.campus/realm-join.password"
    """Root-only file on the node holding the join password."""


def firstboot_script() -> str:
    """The in-container first-boot script, byte for byte as committed."""
    return FIRSTBOOT.read_text(encoding="utf-8")


def firstboot_volume(datastore: str, script: str) -> str:
    """Volume id the first-boot script gets once uploaded to `datastore`."""
    return f"{datastore}:snippets/{file_name(script, 'campus-student-firstboot')}"


def render(settings: HookSettings) -> str:
    """The host hook with its settings block replaced by these settings."""
    block = "\n".join(
        [
            f"FIRSTBOOT_VOLUME={shlex.quote(settings.firstboot_volume)}",
            f"PACKAGES=({' '.join(shlex.quote(p) for p in settings.packages)})",
            f"REALM={shlex.quote(settings.realm or '')}",
            f"JOIN_USER={shlex.quote(settings.join_user)}",
            f"JOIN_PASSWORD_FILE={shlex.quote(settings.join_password_file)}",
            "",
        ]
    )
    text = TEMPLATE.read_text(encoding="utf-8")
    rendered, count = _SETTINGS.subn(lambda m: m.group(1) + block + m.group(3), text)
    if count != 1:
        raise ValueError(f"{TEMPLATE}: expected one settings block, found {count}")
    return rendered


def file_name(script: str, stem: str = "campus-student-hook") -> str:
    """Snippet file name carrying the content's hash, so a change uploads a new file."""
    return f"{stem}-{hashlib.sha256(script.encode()).hexdigest()[:10]}.sh"
