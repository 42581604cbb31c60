"""Policy pack entry point, run by `pulumi preview --policy-pack policy` only.

Building the `PolicyPack` serves the policies to the engine and never returns;
tests and the offline plan import `policy.policies.POLICIES` instead.
"""

import sys
from pathlib import Path

# The engine runs this file from the pack's folder; the policies import as `policy.*`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.policies import POLICIES

PolicyPack(name="campus", policies=list(POLICIES), enforcement_level=EnforcementLevel.MANDATORY)
