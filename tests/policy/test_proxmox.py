"""Proxmox containers are unprivileged."""

from policy.proxmox import CONTAINER, proxmox_container_unprivileged
from tests.policy.records import fired, record


def test_privileged_or_unset_container_fires() -> None:
    found = fired(
        proxmox_container_unprivileged,
        record(CONTAINER, "ct-alice", {"unprivileged": False}),
        record(CONTAINER, "ct-bob", {"vmId": 50010}),
    )
    assert [str(v.urn).rsplit("::", 1)[-1] for v in found] == ["ct-alice", "ct-bob"]


def test_unprivileged_container_is_silent() -> None:
    ct = record(CONTAINER, "ct-alice", {"unprivileged": True, "features": {"nesting": True}})
    assert fired(proxmox_container_unprivileged, ct) == []
