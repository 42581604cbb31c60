"""Template-lock-safe concurrency: at most N clones of one template at a time.

Cloning holds a lock on the source template; many clones of one template at
once end in "can't lock file ... got timeout". Clones of one template are
spread over N lanes, each lane a chain of `depends_on`, so at most N run at
once whatever `pulumi up --parallel` allows, while clones of other templates
(other chains) are not slowed.

A machine's lane is its VMID modulo N and, within a lane, machines follow
VMID order. VMIDs are allocated in increasing order, so a new machine joins
the end of its lane: adding one never changes another machine's dependencies.
"""

from dataclasses import dataclass, field

import pulumi

TemplateKey = tuple[str, int]
"""(node holding the template, template VMID)."""


@dataclass
class CloneLanes:
    """Shared by every component that clones, so one template has one set of lanes."""

    limit: int
    """N: clones of one template that may run at once."""
    _tails: dict[tuple[TemplateKey, int], tuple[int, pulumi.Resource]] = field(
        default_factory=dict[tuple[TemplateKey, int], tuple[int, pulumi.Resource]]
    )

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"clone concurrency must be at least 1, got {self.limit}")

    def after(self, template: TemplateKey, vmid: int) -> list[pulumi.Resource]:
        """What a new clone of `template` with this VMID must wait for (its lane's last clone)."""
        tail = self._tails.get((template, vmid % self.limit))
        if tail is None:
            return []
        if tail[0] >= vmid:
            raise ValueError(
                f"clones of template {template} must be declared in VMID order ({tail[0]} before {vmid})"
            )
        return [tail[1]]

    def add(self, template: TemplateKey, vmid: int, clone: pulumi.Resource) -> None:
        """Record a declared clone as its lane's last."""
        self._tails[(template, vmid % self.limit)] = (vmid, clone)
