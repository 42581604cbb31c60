"""The arithmetic of the estimate, on resources whose cost is computed by hand."""

import pytest

from cost.estimate import CostError, estimate
from cost.rules import chart_name, helm_volumes_gb, quantity_gb
from offline.harness import Registered
from tests.cost.fakes import items, network, node_group, registered, settings

GIB = 1024**3 / 1e9


def monthly(rows: list[tuple[str, str, float]]) -> dict[str, float]:
    return {f"{r}/{c}": round(m, 4) for r, c, m in rows}


def test_one_nat_gateway_for_730_hours_plus_10_gb() -> None:
    s = settings(usage={"natGateway": {"gbPerMonth": 10}})
    nat = registered("aws:ec2/natGateway:NatGateway", "net-nat-a")
    est = estimate(items(nat), s.prices, s.usage)
    by_component = {r.component: r for r in est.rows}
    hours, data = by_component["NAT gateway hours"], by_component["NAT data processed"]
    assert (hours.quantity, hours.unit_price_usd) == (730, 0.045)
    assert (data.quantity, data.unit_price_usd) == (10, 0.045)
    # 730 h x 0.045 + 10 GB x 0.045 = 32.85 + 0.45
    assert est.total_usd == pytest.approx(33.30)


def test_nat_traffic_is_shared_between_the_gateways() -> None:
    s = settings(usage={"natGateway": {"gbPerMonth": 30}})
    est = estimate(
        items(*network(["eu-west-3a", "eu-west-3b", "eu-west-3c"], nat_per_zone=True)), s.prices, s.usage
    )
    data = [r for r in est.rows if r.component == "NAT data processed"]
    assert [r.quantity for r in data] == [10, 10, 10]
    ips = [r for r in est.rows if r.component == "public IPv4 address"]
    # three NAT addresses: 3 x 730 h x 0.005
    assert sum(r.monthly_usd for r in ips) == pytest.approx(10.95)


def test_node_group_prices_instances_and_their_launch_template_volumes() -> None:
    s = settings()
    template = registered(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "eks-nodes-lt",
        {
            "instanceType": "t3.large",
            "blockDeviceMappings": [
                {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50, "volumeType": "gp3"}}
            ],
        },
    )
    group = node_group(types=(), depends=[template])
    est = estimate(items(template, group), s.prices, s.usage)
    rows = {r.component: r for r in est.rows}
    # 2 nodes (desiredSize) x 730 h x 0.10, and 2 x 50 GB x 0.08
    assert rows["t3.large on-demand instances"].monthly_usd == pytest.approx(146.0)
    assert rows["node volumes (gp3)"].monthly_usd == pytest.approx(8.0)


def test_node_group_without_template_uses_disk_size_and_spot_factor() -> None:
    s = settings(usage={"nodes": {"averageCount": 3}})
    group = node_group(capacity="SPOT", types=("t3.medium",))
    group.inputs["diskSize"] = 30
    est = estimate(items(group), s.prices, s.usage)
    rows = {r.component: r for r in est.rows}
    # 3 nodes x 730 h x 0.05 x 0.3 spot factor; 3 x 30 GB x 0.08
    assert rows["t3.medium spot instances"].monthly_usd == pytest.approx(32.85)
    assert rows["node volumes (gp3)"].monthly_usd == pytest.approx(7.2)


def test_average_node_count_outside_the_scaling_range_is_an_error() -> None:
    s = settings(usage={"nodes": {"groups": {"eks-nodes": 9}}})
    with pytest.raises(CostError, match=r"9 average nodes for node group 'eks-nodes'.*1\.\.4"):
        estimate(items(node_group()), s.prices, s.usage)


def test_instance_type_missing_from_the_price_table_is_an_error() -> None:
    s = settings()
    with pytest.raises(CostError, match=r"m7g\.large.*config/prices/eu-west-3\.yaml"):
        estimate(items(node_group(types=("m7g.large",))), s.prices, s.usage)


def test_internet_facing_nlb_pays_hours_capacity_and_one_address_per_zone() -> None:
    s = settings(usage={"loadBalancer": {"nlcuPerHour": 2}})
    nlb = registered(
        "aws:lb/loadBalancer:LoadBalancer",
        "ingress-nlb",
        {"loadBalancerType": "network", "internal": False, "subnets": ["subnet-a", "subnet-b", "subnet-c"]},
    )
    rows = {r.component: r.monthly_usd for r in estimate(items(nlb), s.prices, s.usage).rows}
    assert rows == pytest.approx(
        {
            "NLB hours": 730 * 0.025,
            "NLB capacity units": 2 * 730 * 0.006,
            "public IPv4 addresses (one per zone)": 3 * 730 * 0.005,
        }
    )


def test_internal_nlb_has_no_public_addresses_and_an_alb_is_not_priced() -> None:
    s = settings()
    internal = registered(
        "aws:lb/loadBalancer:LoadBalancer", "inner", {"loadBalancerType": "network", "internal": True}
    )
    alb = registered("aws:lb/loadBalancer:LoadBalancer", "web", {"loadBalancerType": "application"})
    est = estimate(items(internal, alb), s.prices, s.usage)
    assert {r.component for r in est.rows} == {"NLB hours", "NLB capacity units"}
    assert len(est.uncovered) == 1 and "web" in est.uncovered[0] and "application" in est.uncovered[0]


def test_keys_logs_buckets_zones_and_the_cluster() -> None:
    s = settings(
        usage={"logs": {"gbPerGroup": 4, "groups": {"flow-logs": 10}}, "backups": {"gbPerBucket": 100}}
    )
    est = estimate(
        items(
            registered("aws:eks/cluster:Cluster", "eks", {"upgradePolicy": {"supportType": "STANDARD"}}),
            registered("aws:kms/key:Key", "eks-key"),
            registered("aws:cloudwatch/logGroup:LogGroup", "eks-logs", {"retentionInDays": 365}),
            registered("aws:cloudwatch/logGroup:LogGroup", "flow-logs", {"retentionInDays": 30}),
            registered("aws:s3/bucket:Bucket", "backups"),
            registered("aws:route53/zone:Zone", "zone"),
        ),
        s.prices,
        s.usage,
    )
    per_resource = {name: round(usd, 4) for name, _, usd in est.by_resource()}
    assert per_resource == {
        "eks": 73.0,  # 730 x 0.10
        "eks-key": 1.0,
        # 4 GB x 0.5 ingested; stored: 4 GB x 0.15 compressed x 12 months kept x 0.03
        "eks-logs": round(2.0 + 4 * 0.15 * 12 * 0.03, 4),
        # 10 GB x 0.5; stored for 30 days (0.986 of a month)
        "flow-logs": round(5.0 + 10 * 0.15 * (30 / (365 / 12)) * 0.03, 4),
        "backups": 2.5,  # 100 GB x 0.025
        "zone": 0.5,
    }


def test_extended_support_is_priced_when_opted_in_or_left_unset() -> None:
    s = settings()
    for policy, hourly in (
        ({"supportType": "STANDARD"}, 0.10),
        ({"supportType": "EXTENDED"}, 0.60),
        (None, 0.60),
    ):
        inputs = {"upgradePolicy": policy} if policy else {}
        est = estimate(items(registered("aws:eks/cluster:Cluster", "eks", inputs)), s.prices, s.usage)
        assert est.total_usd == pytest.approx(730 * hourly), policy


def test_nat_instance_group_prices_its_template_instance_and_volume() -> None:
    s = settings()
    template = registered(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "nat",
        {"instanceType": "t4g.nano", "blockDeviceMappings": [{"ebs": {"volumeSize": 8}}]},
    )
    group = registered(
        "aws:autoscaling/group:Group", "nat", {"desiredCapacity": 1, "minSize": 1}, depends=[template]
    )
    est = estimate(items(template, group), s.prices, s.usage)
    assert [(r.component, round(r.monthly_usd, 4)) for r in est.rows] == [
        ("t4g.nano on-demand instances", round(730 * 0.005, 4)),
        ("instance volumes (gp3)", round(8 * 0.08, 4)),
    ]


def node_pool(capacity: list[str]) -> Registered:
    requirement = {"key": "karpenter.sh/capacity-type", "operator": "In", "values": capacity}
    return registered(
        "kubernetes:karpenter.sh/v1:NodePool",
        "pool",
        {"spec": {"template": {"spec": {"requirements": [requirement]}}}},
    )


def test_node_pool_prices_its_usage_with_the_spot_share() -> None:
    usage = {"nodePools": {"default": {"averageNodes": 2, "instanceType": "t4g.medium", "spotShare": 0.75}}}
    s = settings(usage=usage)
    est = estimate(items(node_pool(["spot", "on-demand"])), s.prices, s.usage)
    spot = 2 * 730 * 0.75 * 0.04 * 0.3
    on_demand = 2 * 730 * 0.25 * 0.04
    assert est.total_usd == pytest.approx(spot + on_demand + 2 * 20 * 0.08)
    # A pool allowed one capacity type only ignores the share.
    only_demand = estimate(items(node_pool(["on-demand"])), s.prices, s.usage)
    assert only_demand.total_usd == pytest.approx(2 * 730 * 0.04 + 2 * 20 * 0.08)


def test_node_pool_of_an_unpriced_type_is_an_error() -> None:
    s = settings(usage={"nodePools": {"default": {"instanceType": "x9.huge"}}})
    with pytest.raises(CostError, match=r"x9\.huge"):
        estimate(items(node_pool(["spot"])), s.prices, s.usage)


def test_snapshots_inter_zone_transfer_and_free_gateway_endpoint() -> None:
    s = settings(
        usage={
            "backups": {"snapshotGbPerSchedule": 30, "schedules": {"tenant": 5}},
            "transfer": {"interZoneGbPerMonth": 50},
        }
    )
    schedule = "kubernetes:velero.io/v1:Schedule"
    est = estimate(
        items(
            registered(schedule, "daily", {"spec": {"template": {"snapshotVolumes": True}}}),
            registered(schedule, "tenant", {"spec": {"template": {"snapshotVolumes": True}}}),
            registered(schedule, "no-snapshots", {"spec": {"template": {"snapshotVolumes": False}}}),
            registered("aws:ec2/vpc:Vpc", "vpc"),
            registered("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway"}),
            registered("aws:ec2/vpcEndpoint:VpcEndpoint", "sts", {"vpcEndpointType": "Interface"}),
        ),
        s.prices,
        s.usage,
    )
    per_resource = {name: round(usd, 4) for name, _, usd in est.by_resource()}
    assert per_resource == {"daily": 1.5, "tenant": 0.25, "vpc": 1.0}
    assert [u.split(" ")[0] for u in est.uncovered] == ["sts"]


def test_kubernetes_quantities() -> None:
    assert quantity_gb("8Gi") == pytest.approx(8 * GIB)
    assert quantity_gb("500M") == pytest.approx(0.5)
    assert quantity_gb("2T") == pytest.approx(2000)
    assert quantity_gb("lots") is None


def test_helm_values_volumes_count_replicas_and_skip_disabled_persistence() -> None:
    values = {
        "primary": {"persistence": {"size": "10Gi"}},
        "readReplicas": {"replicaCount": 2, "persistence": {"size": "10Gi"}},
        "metrics": {"persistence": {"enabled": False, "size": "50Gi"}},
    }
    assert helm_volumes_gb(values) == pytest.approx(30 * GIB)


def test_helm_release_and_claims_are_priced_as_gp3() -> None:
    s = settings(usage={"volumes": {"releases": {"velero": 0}}})
    release = registered(
        "kubernetes:helm.sh/v3:Release", "postgres", {"values": {"persistence": {"size": "10Gi"}}}
    )
    velero = registered(
        "kubernetes:helm.sh/v3:Release", "velero", {"values": {"persistence": {"size": "1Ti"}}}
    )
    claim = registered(
        "kubernetes:core/v1:PersistentVolumeClaim",
        "data",
        {"spec": {"resources": {"requests": {"storage": "5G"}}}},
    )
    est = estimate(items(release, velero, claim), s.prices, s.usage)
    per_resource = {name: usd for name, _, usd in est.by_resource()}
    assert per_resource == pytest.approx({"postgres": 10 * GIB * 0.08, "data": 5 * 0.08})


def test_postgresql_ha_volumes_count_every_postgresql_instance() -> None:
    # Bitnami postgresql-ha: one top-level persistence block, one volume per PostgreSQL instance.
    values = {
        "postgresql": {"replicaCount": 3},
        "pgpool": {"replicaCount": 2},
        "persistence": {"enabled": True, "size": "20Gi"},
    }
    assert chart_name("oci://registry-1.docker.io/bitnamicharts/postgresql-ha") == "postgresql-ha"
    assert helm_volumes_gb(values, "postgresql-ha") == pytest.approx(60 * GIB)
    assert helm_volumes_gb(values, "another-chart") == pytest.approx(20 * GIB)
    s = settings()
    release = registered("kubernetes:helm.sh/v3:Release", "db", {"chart": "postgresql-ha", "values": values})
    (row,) = estimate(items(release), s.prices, s.usage).rows
    assert row.quantity == pytest.approx(60 * GIB) and row.unit_price_usd == 0.08


def test_a_volume_size_that_is_not_a_quantity_stops_the_estimate() -> None:
    # Skipping it would price the release as if it asked for no volume.
    values = {"postgresql": {"replicaCount": 2}, "persistence": {"enabled": True, "size": "fifty"}}
    with pytest.raises(CostError, match=r"postgresql-ha: persistence.size 'fifty' is not a storage quantity"):
        helm_volumes_gb(values, "postgresql-ha")
    assert helm_volumes_gb({"persistence": {"enabled": False, "size": "fifty"}}) == 0
