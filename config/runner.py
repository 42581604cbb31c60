"""Where CI runs the stack's jobs: `lab:runner` and `cloud:cluster.ciRunner`.

Every `pulumi preview`/`up` of a stack touches the lab (Proxmox API, the Ansible
provisioner, both on the lab's private network) and the cloud (the EKS API, whose
public endpoint admits only `cloud:cluster.publicAccessCidrs`). A hosted runner
reaches neither, so the stack names the self-hosted runner its jobs need, and
the configuration refuses a prod cluster its runner could not reach.
"""

import re
from ipaddress import IPv4Network
from typing import Self

from pydantic import Field, field_validator, model_validator

from config.base import Model

_LABEL = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class LabRunner(Model):
    """`lab:runner`: the self-hosted CI runner inside the lab that runs this stack's jobs."""

    host: str = Field(
        min_length=1,
        description="Lab host the runner is installed on, e.g. the Ansible provisioner `10.10.10.240` "
        "(docs/delivery.md, 'Runners').",
    )
    github_labels: list[str] = Field(
        min_length=2,
        description="GitHub Actions `runs-on` labels of the runner; the first is `self-hosted`, then labels "
        "that only this stack's runner carries (the workflows use exactly this list).",
    )
    gitlab_tags: list[str] = Field(
        min_length=1,
        description="GitLab CI `tags:` of the runner (the pipeline uses exactly this list); prod's runner is "
        "registered as a protected runner, so it only takes jobs of protected branches.",
    )

    @field_validator("github_labels", "gitlab_tags")
    @classmethod
    def _labels(cls, value: list[str]) -> list[str]:
        bad = [label for label in value if re.fullmatch(_LABEL, label) is None]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a runner label (letters, digits, '.', '_', '-')")
        if len(set(value)) != len(value):
            raise ValueError("labels must be distinct")
        return value

    @model_validator(mode="after")
    def _self_hosted_first(self) -> Self:
        if self.github_labels[0] != "self-hosted":
            raise ValueError(
                "githubLabels must start with 'self-hosted': a GitHub-hosted runner cannot reach the lab"
            )
        return self


class CiRunnerAccess(Model):
    """`cloud:cluster.ciRunner`: how the runner that deploys this stack reaches the EKS API."""

    egress_cidrs: list[IPv4Network] = Field(
        default_factory=list[IPv4Network],
        description="Public addresses the runner's traffic leaves from (the lab's NAT); each must lie "
        "inside `cloud:cluster.publicAccessCidrs`, or the runner cannot reach the API endpoint.",
    )
    in_vpc: bool = Field(
        default=False,
        description="The runner runs inside the stack's VPC and uses the private endpoint (always on); "
        "then no egress CIDR is needed.",
    )

    @model_validator(mode="after")
    def _one_way_in(self) -> Self:
        if not self.in_vpc and not self.egress_cidrs:
            raise ValueError("set egressCidrs (the runner's public egress) or inVpc: true")
        return self
