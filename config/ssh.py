"""One OpenSSH public key type for every key the configuration holds.

Admin keys, key sets of project files and the Ansible key all end up in an
`authorized_keys` file, so they are checked by one rule: a known key type, a
base64 body, an optional comment. A private key pasted by mistake is refused
with the same message wherever it appears.
"""

import re
from typing import Annotated

from pydantic import AfterValidator

_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
_PUBLIC_KEY = re.compile(rf"^({'|'.join(re.escape(t) for t in _KEY_TYPES)}) [A-Za-z0-9+/]+={{0,3}}( .*)?$")


def _openssh_public_key(value: str) -> str:
    if _PUBLIC_KEY.fullmatch(value) is None:
        raise ValueError("not an OpenSSH public key (expected 'ssh-ed25519 AAAA... comment')")
    return value


SshPublicKey = Annotated[str, AfterValidator(_openssh_public_key)]
"""One OpenSSH public key line, as in `authorized_keys`."""
