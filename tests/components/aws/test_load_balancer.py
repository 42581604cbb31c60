"""LoadBalancer: the NLB, its targets on the ingress node ports, security groups and DNS records."""

import json

import pytest

from offline.harness import PlanResult
from tests.conftest import Planner, stack_file

NLB = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
ATTACHMENT = "aws:autoscaling/attachment:Attachment"
RECORD = "aws:route53/record:Record"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


@pytest.mark.parametrize(("stack", "protected"), [("staging", False), ("prod", True)])
def test_nlb_is_internet_facing_cross_zone_in_public_subnets(
    request: pytest.FixtureRequest, stack: str, protected: bool
) -> None:
    result: PlanResult = request.getfixturevalue(stack)
    nlb = result.one(NLB, f"{stack}-ingress-nlb")
    assert nlb.inputs["loadBalancerType"] == "network"
    assert nlb.inputs["internal"] is False
    assert nlb.inputs["enableCrossZoneLoadBalancing"] is True
    assert nlb.inputs["subnets"] == result.outputs["publicSubnetIds"]
    assert nlb.inputs["enableDeletionProtection"] is protected
    assert nlb.inputs["securityGroups"] and nlb.inputs["securityGroups"][0].startswith("sg-")


def test_listeners_forward_80_and_443_to_the_ingress_node_ports(prod: PlanResult) -> None:
    ports = json.loads(stack_file("prod").config["cloud:ingress"])
    groups = {r.name.rsplit("-", 1)[-1]: r.inputs for r in prod.of_type(TARGET_GROUP)}
    assert groups["http"]["port"] == ports["httpNodePort"]
    assert groups["https"]["port"] == ports["httpsNodePort"]
    for group in groups.values():
        assert group["protocol"] == "TCP" and group["targetType"] == "instance"
        assert group["healthCheck"]["protocol"] == "TCP"
    listeners = {r.inputs["port"]: r.inputs for r in prod.of_type(LISTENER)}
    assert sorted(listeners) == [80, 443]
    assert all(listener["protocol"] == "TCP" for listener in listeners.values())
    # Each listener's target group is the one its action's ARN came from, read
    # from the registered dependencies rather than from the ARN's text.
    forwarded: dict[int, int] = {}
    for listener in prod.of_type(LISTENER):
        (target,) = [prod.by_urn()[u] for u in listener.dependencies if prod.by_urn()[u].type == TARGET_GROUP]
        assert listener.inputs["defaultActions"][0]["type"] == "forward"
        forwarded[listener.inputs["port"]] = target.inputs["port"]
    assert forwarded == {80: ports["httpNodePort"], 443: ports["httpsNodePort"]}


def test_node_ports_are_configuration(plan: Planner) -> None:
    result = plan(
        "staging-dedicated", set_={"cloud:ingress": {"httpNodePort": 31080, "httpsNodePort": 31443}}
    )
    assert sorted(r.inputs["port"] for r in result.of_type(TARGET_GROUP)) == [31080, 31443]
    node_rules = [r for r in result.of_type(INGRESS_RULE) if r.name.endswith("nodes-from-nlb")]
    assert sorted(r.inputs["fromPort"] for r in node_rules) == [31080, 31443]


def test_targets_are_the_node_groups_autoscaling_group(staging: PlanResult) -> None:
    attachments = staging.of_type(ATTACHMENT)
    assert len(attachments) == 2
    names = {a.inputs["autoscalingGroupName"] for a in attachments}
    assert len(names) == 1
    (name,) = names
    node_group = staging.one("aws:eks/nodeGroup:NodeGroup", "staging-eks-nodes")
    assert name.startswith("eks-staging-eks-nodes")
    assert node_group.urn in {d for a in attachments for d in a.dependencies}


def test_nodes_admit_only_the_nlb_on_the_node_ports(staging: PlanResult) -> None:
    cluster_sg = [r for r in staging.of_type(INGRESS_RULE) if r.name.endswith("nodes-from-nlb")]
    assert len(cluster_sg) == 2
    nlb_sg = staging.one(NLB, "staging-ingress-nlb").inputs["securityGroups"][0]
    for rule in cluster_sg:
        assert rule.inputs["referencedSecurityGroupId"] == nlb_sg
        assert rule.inputs["fromPort"] == rule.inputs["toPort"]
        assert "cidrIpv4" not in rule.inputs
    public = [r for r in staging.of_type(INGRESS_RULE) if "-from-0.0.0.0" in r.name]
    assert sorted(r.inputs["fromPort"] for r in public) == [80, 443]


def test_dns_records_alias_the_configured_names_to_the_nlb(prod: PlanResult) -> None:
    dns = json.loads(stack_file("prod").config["cloud:dns"])
    records = prod.of_type(RECORD)
    expected = {dns["domain"] if r == "@" else f"{r}.{dns['domain']}" for r in dns["records"]}
    assert {r.inputs["name"] for r in records} == expected
    for record in records:
        assert record.inputs["zoneId"] == dns["hostedZoneId"]
        assert record.inputs["type"] == "A"
        (alias,) = record.inputs["aliases"]
        assert alias["name"] == prod.outputs["nlbDnsName"]
        assert alias["zoneId"] == "Z1CMS0P5QUZ6D5"  # NLBs of eu-west-3
        assert alias["evaluateTargetHealth"] is True
