"""The pack itself: `policy/__main__.py` serves every policy of the list to the engine."""

import subprocess
import sys
from typing import cast

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from policy.policies import POLICIES
from tests.conftest import ROOT


def test_pack_serves_every_policy_of_the_list() -> None:
    # The engine starts the pack from its folder and reads the port it prints.
    proc = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=ROOT / "policy", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            # The generated gRPC stub is untyped; the message type is not.
            info = cast(analyzer_pb2.AnalyzerInfo, stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30))  # pyright: ignore[reportUnknownMemberType]
    finally:
        proc.kill()
        proc.wait()
    assert info.name == "campus"
    served = {p.name: p.enforcementLevel for p in info.policies}
    assert set(served) == {p.name for p in POLICIES}
    levels = {
        EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
        EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    }
    assert served == {p.name: levels[cast(EnforcementLevel, p.enforcement_level)] for p in POLICIES}
