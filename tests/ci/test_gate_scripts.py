"""The supply-chain and prod-gate scripts, run for real: curl against loopback servers, real git.

- install-pulumi.sh downloads over HTTP (a loopback server stands in for the release
  host) and must refuse an archive whose SHA-256 differs from the recorded one;
- environment-protected.sh reads the GitHub environment from the API (loopback server
  answering GitHub's documented JSON);
- prod-ancestry.sh compares real commits of a scratch repository with what a `pulumi`
  double reports from `pulumi stack history --json` (fields as the CLI writes them:
  pkg/cmd/pulumi/stack/stack_history.go, most recent first);
- gitlab-protected.sh reads the variables GitLab sets.
"""

import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CI = ROOT / "scripts" / "ci"


def run(
    script: str, *args: str, env: Mapping[str, str], cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CI / script), *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


class Routes(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b'{"message": "Not Found"}'))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[int, bytes]]]]:
    routes: dict[str, tuple[int, bytes]] = {}
    handler = type("Handler", (Routes,), {"routes": routes})
    httpd = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- install-pulumi.sh -----------------------------------------------------------------


def fake_release(version: str) -> bytes:
    """A tarball laid out like the release's: pulumi/pulumi plus a language host."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in (
            ("pulumi/pulumi", f"#!/bin/sh\necho v{version}\n"),
            ("pulumi/pulumi-language-python", "#!/bin/sh\nexit 0\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def install(
    tmp_path: Path, base_url: str, checksums: str, version: str = "3.253.0"
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sums.txt").write_text(checksums)
    return run(
        "install-pulumi.sh",
        env={
            "PULUMI_VERSION": version,
            "PULUMI_INSTALL_DIR": str(tmp_path / "bin"),
            "PULUMI_DOWNLOAD_URL": base_url,
            "PULUMI_CHECKSUMS": str(tmp_path / "sums.txt"),
            "GITHUB_PATH": str(tmp_path / "github_path"),
        },
    )


def test_the_cli_is_installed_when_its_digest_matches(tmp_path: Path, server: Any) -> None:
    url, routes = server
    archive = fake_release("3.253.0")
    routes["/pulumi-v3.253.0-linux-x64.tar.gz"] = (200, archive)
    proc = install(
        tmp_path, url, f"{hashlib.sha256(archive).hexdigest()}  pulumi-v3.253.0-linux-x64.tar.gz\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "bin" / "pulumi").is_file() and (tmp_path / "bin" / "pulumi-language-python").is_file()
    assert "v3.253.0" in proc.stdout
    assert (tmp_path / "github_path").read_text().strip() == str(tmp_path / "bin")


def test_a_tampered_archive_is_refused_and_nothing_installed(tmp_path: Path, server: Any) -> None:
    url, routes = server
    genuine = fake_release("3.253.0")
    routes["/pulumi-v3.253.0-linux-x64.tar.gz"] = (200, fake_release("3.253.0") + b"\0")
    proc = install(
        tmp_path, url, f"{hashlib.sha256(genuine).hexdigest()}  pulumi-v3.253.0-linux-x64.tar.gz\n"
    )
    assert proc.returncode == 1
    assert "refusing to install" in proc.stderr and hashlib.sha256(genuine).hexdigest() in proc.stderr
    assert not (tmp_path / "bin").exists()


def test_a_version_without_a_recorded_digest_is_refused(tmp_path: Path, server: Any) -> None:
    url, _ = server
    proc = install(tmp_path, url, "# nothing recorded\n", version="3.999.0")
    assert proc.returncode == 2 and "no recorded SHA-256 for pulumi-v3.999.0-linux-x64.tar.gz" in proc.stderr


def test_the_pinned_version_has_a_recorded_digest_everywhere_it_is_pinned() -> None:
    recorded = (CI / "pulumi-checksums.txt").read_text()
    pins = set(re.findall(r'PULUMI_VERSION: "([\d.]+)"', (ROOT / ".gitlab-ci.yml").read_text()))
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        pins |= set(re.findall(r'PULUMI_VERSION: "([\d.]+)"', workflow.read_text()))
    assert len(pins) == 1
    (version,) = pins
    assert re.search(rf"^[0-9a-f]{{64}}  pulumi-v{re.escape(version)}-linux-x64\.tar\.gz$", recorded, re.M)


# --- environment-protected.sh --------------------------------------------------------------

PROTECTED: dict[str, Any] = {
    "name": "prod",
    "protection_rules": [
        {
            "id": 1,
            "node_id": "x",
            "type": "required_reviewers",
            "prevent_self_review": True,
            "reviewers": [{"type": "Team", "reviewer": {"slug": "platform"}}],
        },
    ],
    "deployment_branch_policy": {"protected_branches": True, "custom_branch_policies": False},
}


def check_environment(
    server: Any, doc: dict[str, Any] | None, *args: str
) -> subprocess.CompletedProcess[str]:
    url, routes = server
    if doc is not None:
        routes["/repos/school/campus/environments/prod"] = (200, json.dumps(doc).encode())
    return run(
        "environment-protected.sh",
        "prod",
        *args,
        env={"GH_TOKEN": "token", "GITHUB_REPOSITORY": "school/campus", "GITHUB_API_URL": url},
    )


def test_a_protected_environment_passes(server: Any) -> None:
    proc = check_environment(server, PROTECTED, "--reviewers")
    assert proc.returncode == 0, proc.stderr
    assert "environment 'prod' is protected" in proc.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"protection_rules": []}, "no required reviewers"),
        ({"deployment_branch_policy": None}, "no deployment branch policy"),
        (
            {"protection_rules": [{**PROTECTED["protection_rules"][0], "prevent_self_review": False}]},
            "self-review allowed",
        ),
    ],
)
def test_an_unprotected_environment_fails_clearly(server: Any, change: dict[str, Any], message: str) -> None:
    proc = check_environment(server, {**PROTECTED, **change}, "--reviewers")
    assert proc.returncode == 1 and f"environment 'prod' is not protected: {message}" in proc.stderr


def test_a_missing_environment_fails_clearly(server: Any) -> None:
    proc = check_environment(server, None, "--reviewers")
    assert (
        proc.returncode == 1 and "cannot read environment 'prod'" in proc.stderr and "HTTP 404" in proc.stderr
    )


def test_a_read_only_environment_needs_only_its_branch_policy(server: Any) -> None:
    assert check_environment(server, {**PROTECTED, "protection_rules": []}).returncode == 0


# --- prod-ancestry.sh --------------------------------------------------------------------------

FAKE_PULUMI = """#!/bin/sh
[ "$1 $2" = "stack history" ] || exit 3
cat "$FAKE_HISTORY"
"""


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def history_repo(tmp_path: Path) -> dict[str, Any]:
    """main: A - B - C; a side branch D off A; a `pulumi` double reading $FAKE_HISTORY."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commits: dict[str, str] = {}
    for name in ("A", "B", "C"):
        git(repo, "commit", "-q", "--allow-empty", "-m", name)
        commits[name] = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "side", commits["A"])
    git(repo, "commit", "-q", "--allow-empty", "-m", "D")
    commits["D"] = git(repo, "rev-parse", "HEAD")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    return {
        "repo": repo,
        "commits": commits,
        "path": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "tmp": tmp_path,
    }


def ancestry(
    ctx: dict[str, Any], updates: list[dict[str, Any]], candidate: str
) -> subprocess.CompletedProcess[str]:
    history = ctx["tmp"] / "history.json"
    history.write_text(json.dumps(updates))
    return run(
        "prod-ancestry.sh",
        candidate,
        env={"STACK": "prod", "PATH": ctx["path"], "FAKE_HISTORY": str(history)},
        cwd=ctx["repo"],
    )


def update(head: str | None, kind: str = "update", result: str = "succeeded") -> dict[str, Any]:
    environment = {"exec.kind": "cli"} if head is None else {"git.head": head, "exec.kind": "cli"}
    return {
        "version": 1,
        "kind": kind,
        "startTime": "2026-11-30T10:00:00Z",
        "message": "",
        "environment": environment,
        "config": {},
        "result": result,
    }


def test_a_newer_commit_deploys(history_repo: dict[str, Any]) -> None:
    c = history_repo["commits"]
    # Most recent first: a failed update and a refresh after B's deploy do not count.
    updates = [update(c["C"], result="failed"), update(c["C"], kind="refresh"), update(c["B"])]
    proc = ancestry(history_repo, updates, c["C"])
    assert proc.returncode == 0, proc.stderr
    assert f"descends from {c['B']}" in proc.stdout


def test_an_older_commit_is_refused(history_repo: dict[str, Any]) -> None:
    c = history_repo["commits"]
    proc = ancestry(history_repo, [update(c["C"])], c["B"])
    assert proc.returncode == 1 and "would roll prod back" in proc.stderr


def test_a_commit_of_another_line_is_refused(history_repo: dict[str, Any]) -> None:
    c = history_repo["commits"]
    proc = ancestry(history_repo, [update(c["B"])], c["D"])
    assert proc.returncode == 1 and f"is not a descendant of {c['B']}" in proc.stderr


def test_the_first_deployment_has_nothing_to_descend_from(history_repo: dict[str, Any]) -> None:
    proc = ancestry(history_repo, [], history_repo["commits"]["C"])
    assert proc.returncode == 0 and "first deployment" in proc.stdout


def test_an_update_without_its_commit_is_refused(history_repo: dict[str, Any]) -> None:
    proc = ancestry(history_repo, [update(None)], history_repo["commits"]["C"])
    assert proc.returncode == 1 and "recorded no commit" in proc.stderr


def test_a_commit_missing_from_the_clone_is_refused(history_repo: dict[str, Any]) -> None:
    proc = ancestry(history_repo, [update("0" * 40)], history_repo["commits"]["C"])
    assert proc.returncode == 1 and "full" in proc.stderr and "history" in proc.stderr


# --- gitlab-protected.sh -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "ok"),
    [
        (
            {
                "CI_COMMIT_REF_PROTECTED": "true",
                "CI_ENVIRONMENT_NAME": "prod",
                "CI_ENVIRONMENT_TIER": "production",
            },
            True,
        ),
        (
            {
                "CI_COMMIT_REF_PROTECTED": "false",
                "CI_ENVIRONMENT_NAME": "prod",
                "CI_ENVIRONMENT_TIER": "production",
            },
            False,
        ),
        (
            {
                "CI_COMMIT_REF_PROTECTED": "true",
                "CI_ENVIRONMENT_NAME": "staging",
                "CI_ENVIRONMENT_TIER": "staging",
            },
            False,
        ),
    ],
)
def test_the_gitlab_prod_job_checks_its_ref_and_environment(variables: dict[str, str], ok: bool) -> None:
    env = dict.fromkeys(("CI_COMMIT_REF_PROTECTED", "CI_ENVIRONMENT_NAME", "CI_ENVIRONMENT_TIER"), "")
    proc = run("gitlab-protected.sh", "prod", "production", env={**env, **variables})
    assert (proc.returncode == 0) is ok, proc.stderr
