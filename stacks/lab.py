"""The lab part of a stack: everything on Proxmox VE."""

from config import StackConfig
from config.lab import LabConfig
from stacks.providers import proxmox_provider


def build_lab(cfg: StackConfig, lab: LabConfig) -> None:
    """Declare the lab's resources through one explicit Proxmox provider."""
    proxmox_provider(f"{cfg.stack}-proxmox", lab)
