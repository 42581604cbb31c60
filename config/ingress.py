"""`cloud:ingress` and `cloud:dns`: how traffic from the internet reaches the cluster."""

import re
from typing import Self

from pydantic import Field, field_validator, model_validator

from config.base import Model


class IngressConfig(Model):
    """`cloud:ingress`: node ports of the ingress controller (Traefik) that the NLB targets."""

    http_node_port: int = Field(default=30080, ge=30000, le=32767)
    """Node port of the controller's HTTP entry point; the NLB's port 80 forwards here."""
    https_node_port: int = Field(default=30443, ge=30000, le=32767)
    """Node port of the controller's HTTPS entry point; the NLB's port 443 forwards here."""

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if self.http_node_port == self.https_node_port:
            raise ValueError(f"httpNodePort and httpsNodePort are both {self.http_node_port}")
        return self


_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"


class DnsConfig(Model):
    """`cloud:dns`: the Route53 zone and the names that point at the load balancer."""

    domain: str
    """DNS domain of the platform, e.g. `campus.example.org` (the hosted zone's name or a subdomain of it)."""
    hosted_zone_id: str
    """Route53 hosted zone holding `domain`, e.g. `Z0123456789ABCDEFGHIJ`."""
    records: list[str] = Field(default_factory=lambda: ["@"], min_length=1)
    """Names under `domain` to alias to the NLB: `@` for the domain itself, or labels such as `api`, `*`."""

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.lower().rstrip(".")
        if re.fullmatch(rf"({_LABEL}\.)+[a-z]{{2,63}}", value) is None:
            raise ValueError(f"{value!r} is not a DNS domain such as campus.example.org")
        return value

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone_id(cls, value: str) -> str:
        if re.fullmatch(r"Z[A-Z0-9]{1,31}", value) is None:
            raise ValueError(f"{value!r} is not a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ")
        return value

    @field_validator("records")
    @classmethod
    def _records(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in ("@", "*") and re.fullmatch(rf"(\*\.)?({_LABEL}\.)*{_LABEL}", name) is None:
                raise ValueError(f"{name!r} is not '@', '*' or a name relative to the domain such as 'api'")
        if len(set(value)) != len(value):
            raise ValueError("records lists a name twice")
        return value

    def fqdn(self, record: str) -> str:
        """The full name of a record (`@` is the domain itself)."""
        return self.domain if record == "@" else f"{record}.{self.domain}"
