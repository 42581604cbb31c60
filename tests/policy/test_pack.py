"""The pack itself: started as the CLI starts it, it serves every policy of the list at its level."""

from pathlib import Path
from typing import cast

import pytest
from pulumi_policy import EnforcementLevel, StackValidationPolicy

from offline.analyzer import Analyzer, AnalyzerError
from policy.policies import POLICIES
from tests.conftest import ROOT


def test_pack_serves_every_policy_of_the_list() -> None:
    # `python -u -m pulumi.policy <engine> policy/`, the port read from its first line, GetAnalyzerInfo.
    analyzer = Analyzer(ROOT).start()
    try:
        served = analyzer.policies
    finally:
        analyzer.stop()
    assert set(served) == {p.name for p in POLICIES}
    for policy in POLICIES:
        info = served[policy.name]
        assert info.level == cast(EnforcementLevel, policy.enforcement_level)
        assert info.description == policy.description
        assert info.stack == isinstance(policy, StackValidationPolicy)


def test_a_pack_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "__main__.py").write_text("raise SystemExit('no pack here')\n")
    with pytest.raises(AnalyzerError, match=r"did not start(?s:.)*no pack here"):
        Analyzer(tmp_path).start()
