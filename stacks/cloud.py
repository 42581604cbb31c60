"""The cloud part of a stack: everything on AWS and in the EKS cluster."""

from config import StackConfig
from config.cloud import CloudConfig
from stacks.providers import aws_provider


def build_cloud(cfg: StackConfig, cloud: CloudConfig) -> None:
    """Declare the cloud's resources through one explicit AWS provider."""
    aws_provider(f"{cfg.stack}-aws", cloud, project=cfg.project, stack=cfg.stack)
