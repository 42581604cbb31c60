"""The policy pack as the engine runs it: the real pulumi-policy analyzer, over gRPC.

`pulumi preview --policy-pack policy` starts the pack as a plugin, exactly as
`Analyzer.start` does here (`python -u -m pulumi.policy <engine-address> policy/`,
the port on the first line of its stdout), and then sends it:
- `GetAnalyzerInfo` (the policies and their enforcement levels), `Configure`
  (each configured policy with its level and properties), `ConfigureStack`;
- `Analyze` once per resource, with its *inputs*, its options (`protect`,
  `ignoreChanges`, `parent`) and its provider;
- `AnalyzeStack` once, every resource with its *outputs*, `parent`,
  `dependencies` and `propertyDependencies`.
Values are marshalled as the engine marshals them (`KeepSecrets`,
`KeepUnknowns`): a secret as the secret signature, an unknown as the unknown
sentinel, an asset with the asset signature. They come from the plan's records
as the plan document writes them, so a document replays the same way
(`records_from_document`). A secret's plaintext never leaves the plan: the
signature wraps `[secret]`, which is also all the document holds.

One analyzer process per repository root and process (`analyzer_for`), stopped at exit.
"""

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from config.paths import ROOT
from offline.harness import SECRET, UNKNOWN, PlanResult, Registered

_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's `plugin.UnknownStringValue`: how an unknown output reaches the analyzer."""

ENGINE_ADDRESS = "127.0.0.1:0"
"""What the pack is told the engine's address is; analysing never calls the engine back."""
_TIMEOUT = 120.0

_LEVELS = {
    analyzer_pb2.ADVISORY: EnforcementLevel.ADVISORY,
    analyzer_pb2.MANDATORY: EnforcementLevel.MANDATORY,
    analyzer_pb2.REMEDIATE: EnforcementLevel.REMEDIATE,
    analyzer_pb2.DISABLED: EnforcementLevel.DISABLED,
}


class AnalyzerError(RuntimeError):
    """The analyzer could not be started or answered with an error."""


@dataclass(frozen=True)
class Violation:
    """One diagnostic of the analyzer."""

    policy: str
    level: EnforcementLevel
    message: str
    """The policy's own message (the analyzer prefixes it with the policy's description)."""
    urn: str | None

    def __str__(self) -> str:
        where = f"\n      at {self.urn}" if self.urn else ""
        return f"  [{self.level.value}] {self.policy}: {self.message}{where}"


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as `GetAnalyzerInfo` describes it."""

    name: str
    description: str
    level: EnforcementLevel
    stack: bool
    """A stack policy (judged by `AnalyzeStack`), else a resource policy (`Analyze`)."""


def wire(value: Any) -> Any:  # noqa: PLR0911 (one return per kind of value)
    """A rendered plan value (secrets `[secret]`, unknowns `[unknown]`) as the engine marshals it."""
    if isinstance(value, str):
        if value == SECRET:
            return {_SIG: _SECRET_SIG, "value": SECRET}
        return _UNKNOWN_STRING if value == UNKNOWN else value
    if isinstance(value, Mapping):
        mapping = cast(Mapping[str, Any], value)
        if set(mapping) == {"asset"} and isinstance(mapping["asset"], Mapping):
            return {_SIG: _ASSET_SIG, **cast(Mapping[str, Any], mapping["asset"])}
        if set(mapping) == {"archive"} and isinstance(mapping["archive"], Mapping):
            return {_SIG: _ARCHIVE_SIG, **cast(Mapping[str, Any], mapping["archive"])}
        # The engine skips internal keys (`__defaults`, `__meta`) when it marshals for analyzers.
        return {str(k): wire(v) for k, v in mapping.items() if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in cast(Sequence[Any], value)]
    return value


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(wire(values), struct)
    return struct


def _provider_urn(reference: str | None) -> str | None:
    # A provider reference is "<urn>::<id>".
    return reference.rsplit("::", 1)[0] if reference else None


def _provider(
    record: Registered, by_urn: Mapping[str, Registered]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    provider = by_urn.get(_provider_urn(record.provider) or "")
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        urn=provider.urn, type=provider.type, name=provider.name, properties=_struct(provider.inputs)
    )


def _options(record: Registered, *, parent: bool) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=record.protect,
        ignoreChanges=record.ignore_changes,
        # The engine sets the parent in the options of `Analyze` only; `AnalyzeStack` has its own field.
        parent=(record.parent or "") if parent else "",
    )


def analyze_request(record: Registered, by_urn: Mapping[str, Registered]) -> analyzer_pb2.AnalyzeRequest:
    """What the engine sends the analyzer for one resource: its inputs."""
    return analyzer_pb2.AnalyzeRequest(
        urn=record.urn,
        type=record.type,
        name=record.name,
        properties=_struct(record.inputs),
        options=_options(record, parent=True),
        provider=_provider(record, by_urn),
    )


def analyze_stack_request(records: Sequence[Registered]) -> analyzer_pb2.AnalyzeStackRequest:
    """What the engine sends the analyzer once the plan is complete: every resource's outputs."""
    by_urn = {r.urn: r for r in records}
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                urn=r.urn,
                type=r.type,
                name=r.name,
                # A component has no provider state: its outputs are what it registered.
                properties=_struct(r.outputs if r.custom else r.inputs),
                options=_options(r, parent=False),
                provider=_provider(r, by_urn),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in r.property_dependencies.items()
                    if urns
                },
            )
            for r in records
        ]
    )


class Analyzer:
    """The policy pack of a repository, served by the real analyzer process."""

    def __init__(
        self,
        root: Path = ROOT,
        config: Mapping[str, Mapping[str, Any]] | None = None,
        python: str = sys.executable,
    ) -> None:
        self.root = root.resolve()
        self.config = dict(config or {})
        self.python = python
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self.policies: dict[str, PolicyInfo] = {}
        self._lock = threading.Lock()

    def start(self) -> "Analyzer":
        """Start the pack as the CLI does, read its port, describe and configure its policies."""
        if self._proc is not None:
            return self
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the process's life)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(self.root), os.environ.get("PYTHONPATH", "")]),
        }
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "policy/"],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().decode().strip()
        if not line.isdigit():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=10)
            log = self._log()
            self.stop()
            raise AnalyzerError(f"the policy pack in {self.root / 'policy'} did not start: {line}\n{log}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{line}")
        self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        info = cast(analyzer_pb2.AnalyzerInfo, self._call("GetAnalyzerInfo", empty_pb2.Empty()))
        self.policies = {
            p.name: PolicyInfo(
                name=p.name,
                description=p.description,
                level=_LEVELS[p.enforcementLevel],
                stack=p.policy_type == analyzer_pb2.POLICY_TYPE_STACK,
            )
            for p in info.policies
        }
        if self.config:
            # As the engine does for `--policy-pack-config`: each configured policy keeps its level.
            request = analyzer_pb2.ConfigureAnalyzerRequest()
            for name, properties in self.config.items():
                if name not in self.policies:
                    continue
                entry = request.policyConfig[name]
                entry.enforcementLevel = cast(Any, _level_value(self.policies[name].level))
                entry.properties.CopyFrom(_struct(properties))
            self._call("Configure", request)
        return self

    def stop(self) -> None:
        """Stop the process (idempotent)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
            self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=_TIMEOUT)
        except grpc.RpcError as exc:
            raise AnalyzerError(f"analyzer {method} failed: {exc}\n{self._log()}") from exc

    def _log(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-4000:]

    def _violations(self, response: analyzer_pb2.AnalyzeResponse) -> list[Violation]:
        found: list[Violation] = []
        for d in response.diagnostics:
            prefix = f"{d.description}\n"
            message = d.message[len(prefix) :] if d.message.startswith(prefix) else d.message
            found.append(Violation(d.policyName, _LEVELS[d.enforcementLevel], message, d.urn or None))
        return found

    def check(
        self, records: Sequence[Registered], *, stack: str = "", project: str = "", only: Iterable[str] = ()
    ) -> list[Violation]:
        """Every diagnostic the pack returns for these records (of the policies in `only`, if given)."""
        with self._lock:
            self.start()
            selected = set(only) or set(self.policies)
            wanted = [self.policies[n] for n in selected if n in self.policies]
            if stack or project:
                self._call(
                    "ConfigureStack", analyzer_pb2.AnalyzerStackConfigureRequest(stack=stack, project=project)
                )
            by_urn = {r.urn: r for r in records}
            found: list[Violation] = []
            if any(not p.stack for p in wanted):
                for record in records:
                    found += self._violations(self._call("Analyze", analyze_request(record, by_urn)))
            if any(p.stack for p in wanted):
                found += self._violations(self._call("AnalyzeStack", analyze_stack_request(records)))
            return [v for v in found if v.policy in selected]

    def check_plan(self, result: PlanResult, only: Iterable[str] = ()) -> list[Violation]:
        """Every diagnostic for a planned stack."""
        return self.check(result.resources, stack=result.stack, project=result.project, only=only)


def _level_value(level: EnforcementLevel) -> int:
    return {v: k for k, v in _LEVELS.items()}[level]


_RUNNING: dict[tuple[Path, tuple[tuple[str, str], ...]], Analyzer] = {}
_OVERLAYS: list[tempfile.TemporaryDirectory[str]] = []
PACK_FOLDERS = ("config", "cost", "policy", "ansible")
"""What the pack process reads of ours: the packages it imports (`tests/test_layers.py` holds it
to those) and the playbooks, whose existence the configuration checks."""


def pack_root(root: Path) -> Path:
    """A checkout to start the pack from, with the stack files of `root`.

    A full checkout is used as it is. A folder of stack files only (`--root`)
    gets a throwaway checkout: this repository's pack and the packages it
    imports, beside those stack files, so the pack reads them as its own.
    """
    if (root / "policy" / "__main__.py").is_file():
        return root
    overlay = tempfile.TemporaryDirectory(prefix="campus-pack-")
    _OVERLAYS.append(overlay)
    target = Path(overlay.name)
    for package in PACK_FOLDERS:
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__"))
    for stack_file in root.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, target / stack_file.name)
    return target


def analyzer_for(root: Path = ROOT, config: Mapping[str, Mapping[str, Any]] | None = None) -> Analyzer:
    """The started analyzer of `root`'s pack with this configuration, shared by the whole process."""
    key = (root.resolve(), tuple(sorted((k, repr(v)) for k, v in (config or {}).items())))
    if key not in _RUNNING:
        _RUNNING[key] = Analyzer(pack_root(root.resolve()), config).start()
    return _RUNNING[key]


@atexit.register
def _stop_all() -> None:
    for analyzer in _RUNNING.values():
        analyzer.stop()
    _RUNNING.clear()
    for overlay in _OVERLAYS:
        overlay.cleanup()
    _OVERLAYS.clear()


def records_from_document(document: Mapping[str, Any]) -> list[Registered]:
    """The records of a plan document (`python -m stacks.plan --json`), to replay through the analyzer."""
    stack, project = str(document["stack"]), str(document["project"])
    stack_urn = f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}"
    return [
        Registered(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            parent=r["parent"] or stack_urn,
            custom=r["custom"],
            protect=r["protect"],
            inputs=r["inputs"],
            depends_on=r["depends_on"],
            provider=r.get("provider"),
            id=r["id"],
            dependencies=r["dependencies"],
            ignore_changes=r.get("ignore_changes", []),
            property_dependencies=r["property_dependencies"],
            outputs=r["outputs"],
        )
        for r in cast(list[dict[str, Any]], document["resources"])
    ]
