"""Launch templates require IMDSv2."""

from typing import Any

import pytest

from policy.aws_ec2 import LAUNCH_TEMPLATE, launch_template_imdsv2
from tests.policy.records import fired, record


@pytest.mark.parametrize("options", [None, {"httpTokens": "optional"}, {"httpEndpoint": "enabled"}])
def test_imdsv1_allowed_fires(options: dict[str, Any] | None) -> None:
    inputs = {} if options is None else {"metadataOptions": options}
    found = fired(launch_template_imdsv2, record(LAUNCH_TEMPLATE, "nodes", inputs, stack="staging"))
    assert len(found) == 1 and "allows IMDSv1" in found[0].message


@pytest.mark.parametrize(
    "options", [{"httpTokens": "required", "httpPutResponseHopLimit": 1}, {"httpEndpoint": "disabled"}]
)
def test_imdsv2_only_is_silent(options: dict[str, Any]) -> None:
    lt = record(LAUNCH_TEMPLATE, "nodes", {"metadataOptions": options}, stack="staging")
    assert fired(launch_template_imdsv2, lt) == []
