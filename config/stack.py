"""The whole, validated configuration of one stack."""

from dataclasses import dataclass, field

from config.cloud import CloudConfig
from config.cost import CostConfig
from config.inventory import LabInventory
from config.lab import LabConfig
from config.platform import PlatformConfig
from config.registrations import Registrations


@dataclass(frozen=True)
class StackConfig:
    """What `__main__.py` hands to `stacks.compose.build_stack`: nothing below reads Pulumi config."""

    project: str
    """Pulumi project name (`Pulumi.yaml`)."""
    stack: str
    """Stack name, e.g. `staging` or `prod`."""
    lab: LabConfig | None
    """The lab part, or None when `lab:` is absent or disabled."""
    cloud: CloudConfig | None
    """The cloud part, or None when `cloud:` is absent or disabled."""
    platform: PlatformConfig | None = None
    """The platform's Helm releases on the cloud's cluster, or None when absent or disabled."""
    cost: CostConfig | None = None
    """Currency, budget and alerts, or None when no `cost:` key is set."""
    inventory: LabInventory = field(default_factory=lambda: LabInventory(students=(), projects=()))
    """The lab's students and project machines, read from the roster and project files."""
    registrations: Registrations = field(default_factory=lambda: Registrations(students=(), projects=()))
    """Each machine's reserved address, FQDN and registration data (`config.registrations`)."""

    @property
    def is_prod(self) -> bool:
        """Prod gets protection, deletion protection and the larger sizes."""
        return self.stack == "prod"
