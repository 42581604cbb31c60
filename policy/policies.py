"""The list of policies: the pack serves it (to the engine and to the offline plan).

Adding a policy is one line here. Never build the `PolicyPack` outside
`policy/__main__.py`: constructing it starts the analyzer server and blocks.
"""

from pulumi_policy import Policy

from policy.aws_ec2 import launch_template_imdsv2
from policy.aws_eks import eks_node_groups_private, eks_public_endpoint
from policy.aws_s3 import s3_encryption, s3_public_access_block, s3_versioning
from policy.budget import budget
from policy.credentials import no_secrets_in_commands, no_secrets_in_helm_values
from policy.protect import prod_stateful_protected
from policy.proxmox import proxmox_container_unprivileged

POLICIES: list[Policy] = [
    s3_encryption,
    s3_versioning,
    s3_public_access_block,
    eks_public_endpoint,
    eks_node_groups_private,
    launch_template_imdsv2,
    proxmox_container_unprivileged,
    no_secrets_in_commands,
    no_secrets_in_helm_values,
    prod_stateful_protected,
    budget,
]
