"""Unit prices of one AWS region (`config/prices/<region>.yaml`), validated.

Every price carries the date it was recorded and the public AWS page it was
read from, so a reviewer can tell how old a figure is and where to check it.
"""

import datetime
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator

from config import yamlfile
from config.base import Model
from config.errors import ConfigError

PRICES_DIR = Path(__file__).resolve().parent / "prices"
"""Where the price tables live, one file per region."""


class Price(Model):
    """One unit price in USD, with its provenance."""

    usd: float = Field(gt=0)
    """Price of one unit, in USD."""
    unit: str = Field(min_length=1)
    """What one unit is, e.g. `instance-hour`, `GB-month`."""
    date: datetime.date
    """When the figure was read from `source`."""
    source: str = Field(pattern=r"^https://aws\.amazon\.com/\S+$")
    """The public AWS price page it was read from."""
    note: str | None = None
    """What the price includes or leaves out."""


class SpotFactor(Model):
    """Spot capacity priced as a fraction of the on-demand rate."""

    factor: float = Field(gt=0, le=1)
    """Spot price / on-demand price, e.g. 0.35 for a 65 % saving."""
    date: datetime.date
    """When the assumption was last checked."""
    source: str = Field(pattern=r"^https://aws\.amazon\.com/\S+$")
    """The AWS page the assumption rests on."""
    note: str | None = None
    """Why this factor."""


_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")


class Ec2Prices(Model):
    """EC2 instances of the node groups."""

    on_demand_hour: dict[str, Price] = Field(min_length=1)
    """Linux on-demand price per instance type, e.g. `t3.large`."""
    spot_factor: SpotFactor
    """How much of the on-demand price spot capacity costs."""

    @field_validator("on_demand_hour")
    @classmethod
    def _types(cls, value: dict[str, Price]) -> dict[str, Price]:
        for name in value:
            if _INSTANCE_TYPE.match(name) is None:
                raise ValueError(f"{name!r} is not an EC2 instance type such as t3.large")
        return value


class EksPrices(Model):
    """Amazon EKS."""

    cluster_hour: Price
    """Control plane, per cluster and hour (standard support)."""
    extended_support_hour: Price
    """Control plane in extended support, per cluster and hour."""


class NatPrices(Model):
    """NAT gateways."""

    hour: Price
    """Per gateway and hour."""
    gb: Price
    """Per GB processed."""


class NlbPrices(Model):
    """Network Load Balancers."""

    hour: Price
    """Per load balancer and hour."""
    nlcu_hour: Price
    """Per NLCU and hour."""


class Ipv4Prices(Model):
    """Public IPv4 addresses."""

    hour: Price
    """Per address and hour."""


class EbsPrices(Model):
    """EBS volumes."""

    gp3_gb_month: Price
    """gp3 storage per GB-month."""
    snapshot_gb_month: Price
    """Snapshot storage per GB-month."""


class TransferPrices(Model):
    """Data transfer."""

    inter_zone_gb: Price
    """Per GB between two availability zones of the region (both directions billed)."""


class S3Prices(Model):
    """S3 storage."""

    standard_gb_month: Price
    """S3 Standard per GB-month."""


class KmsPrices(Model):
    """KMS."""

    key_month: Price
    """Per customer managed key and month."""


class LogsPrices(Model):
    """CloudWatch Logs."""

    ingestion_gb: Price
    """Per GB ingested."""
    storage_gb_month: Price
    """Per GB-month of archived (compressed) log data."""


class Route53Prices(Model):
    """Route 53."""

    hosted_zone_month: Price
    """Per hosted zone and month."""


class PriceTable(Model):
    """Every unit price the estimate uses, for one region."""

    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")
    """The region these prices apply to; must match the file name."""
    currency: Literal["USD"]
    """AWS publishes list prices in USD; conversion happens at display time."""
    hours_per_month: float = Field(default=730, gt=0, le=744)
    """Hours in the average month (AWS bills 730)."""
    eks: EksPrices
    ec2: Ec2Prices
    nat_gateway: NatPrices
    network_load_balancer: NlbPrices
    public_ipv4: Ipv4Prices
    ebs: EbsPrices
    data_transfer: TransferPrices
    s3: S3Prices
    kms: KmsPrices
    cloudwatch_logs: LogsPrices
    route53: Route53Prices

    def instance_hour(self, instance_type: str) -> Price | None:
        """On-demand price of an instance type, or None when the table lacks it."""
        return self.ec2.on_demand_hour.get(instance_type)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def load_price_table(region: str, *, stack: str, prices_dir: Path = PRICES_DIR) -> PriceTable:
    """Read and validate `config/prices/<region>.yaml`.

    :raises ConfigError: naming the file, the key and what was expected.
    """
    path = prices_dir / f"{region}.yaml"
    label = f"config/prices/{path.name}"
    if not path.is_file():
        known = sorted(p.stem for p in prices_dir.glob("*.yaml"))
        raise ConfigError(
            stack,
            [f"{label}: no price table for region {region}; known regions: {', '.join(known) or 'none'}"],
        )
    try:
        doc: Any = yamlfile.parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(stack, [f"{label}: {yamlfile.problem(exc)}"]) from None
    try:
        table = PriceTable.model_validate(doc)
    except ValidationError as exc:
        problems = [f"{label}: {_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(stack, problems) from None
    if table.region != region:
        raise ConfigError(stack, [f"{label}: region: says {table.region}; expected {region} (the file name)"])
    return table
