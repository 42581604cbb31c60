"""EC2 launch templates: the instance metadata service only with session tokens."""

from typing import Any, cast

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policy.common import UNKNOWN, UndecidedError, plain, prop

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _imdsv2(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != LAUNCH_TEMPLATE:
        return
    props = cast(dict[str, Any], plain(args.props))
    if prop(props, "metadataOptions.httpEndpoint") == "disabled":
        return
    # The provider's default for httpTokens is "optional", i.e. IMDSv1 allowed.
    tokens = prop(props, "metadataOptions.httpTokens", "optional")
    if UNKNOWN in (tokens, prop(props, "metadataOptions.httpEndpoint")):
        raise UndecidedError(
            f"launch template '{args.name}': its metadata options are known only at the update"
        )
    if tokens != "required":
        report_violation(
            f"launch template '{args.name}' allows IMDSv1 (metadataOptions.httpTokens={tokens!r}); "
            "set it to 'required'",
            args.urn,
        )


launch_template_imdsv2 = ResourceValidationPolicy(
    name="aws-ec2-launchtemplate-enforce-imdsv2",
    description="Launch templates require IMDSv2 session tokens (Checkov CKV_AWS_79).",
    enforcement_level=EnforcementLevel.MANDATORY,
    tags=["checkov:CKV_AWS_79"],
    validate=_imdsv2,
)
