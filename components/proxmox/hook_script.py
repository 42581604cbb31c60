"""The student containers' hook script: the committed template with its settings filled in."""

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "scripts" / "student-hook.sh"
_SETTINGS = re.compile(r"(# --- settings \(rendered[^\n]*\n)(.*?)(# --- end of settings ---)", re.DOTALL)


@dataclass(frozen=True)
class HookSettings:
    """What the hook does on first boot."""

    packages: tuple[str, ...] = ()
    """Extra Debian packages; `isc-dhcp-client` (for the DUID renewal) is always added."""
    realm: str | None = None
    """Directory domain to join; None: no join, no login restriction."""
    join_user: str = "pve-join"
    """Directory account that may join machines."""
    join_password_file: str = "/root/.campus/realm-join.password"
    """Root-only file on the node holding the join password."""


def render(settings: HookSettings) -> str:
    """The script with its settings block replaced by these settings."""
    packages = ["isc-dhcp-client", *(p for p in settings.packages if p != "isc-dhcp-client")]
    block = "\n".join(
        [
            f"PACKAGES=({' '.join(shlex.quote(p) for p in packages)})",
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


def file_name(script: str) -> str:
    """Snippet file name carrying the content's hash, so a change uploads a new file."""
    return f"campus-student-hook-{hashlib.sha256(script.encode()).hexdigest()[:10]}.sh"
