"""Compose a stack from its validated configuration."""

import pulumi

from config import StackConfig
from stacks.cloud import build_cloud
from stacks.cost import build_cost
from stacks.lab import build_lab
from stacks.platform import build_platform
from stacks.tenant import build_tenant


def build_stack(cfg: StackConfig) -> None:
    """Declare every resource of the stack and export its outputs."""
    pulumi.export("stack", cfg.stack)
    pulumi.export(
        "parts",
        {"lab": cfg.lab is not None, "cloud": cfg.cloud is not None, "platform": cfg.platform is not None},
    )
    if cfg.lab is not None:
        build_lab(cfg, cfg.lab)
    if cfg.cloud is not None and cfg.cloud.is_tenant:
        build_tenant(cfg, cfg.cloud)
    elif cfg.cloud is not None:
        cloud = build_cloud(cfg, cfg.cloud)
        if cfg.platform is not None:
            build_platform(cfg, cfg.platform, cloud)
    build_cost(cfg)
