"""The merge-request note: one per marker, edited in place on later pushes."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from scripts.mr_note import MAX_OUTPUT, main, marker_line

API = "https://gitlab.example.org/api/v4"
NOTES = f"{API}/projects/42/merge_requests/7/notes"


class FakeGitLab:
    """Notes of one merge request, served 2 per page like a paginated API."""

    def __init__(self, notes: list[dict[str, Any]]) -> None:
        self.notes = notes
        self.calls: list[tuple[str, str]] = []

    def __call__(
        self, method: str, url: str, fields: Mapping[str, str] | None
    ) -> tuple[Any, Mapping[str, str]]:
        self.calls.append((method, url))
        if method == "GET":
            page = int(parse_qs(urlsplit(url).query)["page"][0])
            chunk = self.notes[(page - 1) * 2 : page * 2]
            more = page * 2 < len(self.notes)
            return chunk, {"X-Next-Page": str(page + 1) if more else ""}
        assert fields is not None
        if method == "PUT":
            note_id = int(url.rsplit("/", 1)[1])
            next(n for n in self.notes if n["id"] == note_id)["body"] = fields["body"]
            return {"id": note_id}, {}
        note = {"id": 100 + len(self.notes), "body": fields["body"]}
        self.notes.append(note)
        return note, {}


@pytest.fixture(autouse=True)
def gitlab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_API_V4_URL", API)
    monkeypatch.setenv("CI_PROJECT_ID", "42")
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "7")
    monkeypatch.setenv("CI_COMMIT_SHORT_SHA", "abc1234")


def post(fake: FakeGitLab, path: Path, marker: str = "campus-preview:staging", code: int = 0) -> int:
    args = ["--marker", marker, "--title", "pulumi preview of staging", "--exit-code", str(code), str(path)]
    return main(args, transport=fake)


def test_creates_the_note_then_edits_it(tmp_path: Path) -> None:
    out = tmp_path / "preview.txt"
    fake = FakeGitLab([{"id": 1, "body": "LGTM"}, {"id": 2, "body": "other"}, {"id": 3, "body": "x"}])
    out.write_text("\x1b[32m+ 3 to create\x1b[0m\n")
    assert post(fake, out) == 0
    created = fake.notes[-1]
    assert created["body"].startswith(marker_line("campus-preview:staging"))
    assert "+ 3 to create" in created["body"] and "\x1b" not in created["body"]
    assert "succeeded" in created["body"] and "`abc1234`" in created["body"]

    out.write_text("+ 4 to create\n")
    assert post(fake, out, code=255) == 0
    assert len(fake.notes) == 4, "a second push must edit, not add"
    assert ("PUT", f"{NOTES}/{created['id']}") in fake.calls
    assert "+ 4 to create" in created["body"] and "failed (exit 255)" in created["body"]


def test_each_stack_keeps_its_own_note(tmp_path: Path) -> None:
    out = tmp_path / "preview.txt"
    out.write_text("ok\n")
    fake = FakeGitLab([])
    post(fake, out, "campus-preview:staging")
    post(fake, out, "campus-preview:prod")
    post(fake, out, "campus-preview:prod")
    assert len(fake.notes) == 2


def test_long_output_keeps_its_end(tmp_path: Path) -> None:
    out = tmp_path / "preview.txt"
    out.write_text("x" * (MAX_OUTPUT * 2) + "\nResources: 3 to create\n")
    fake = FakeGitLab([])
    post(fake, out)
    body = fake.notes[0]["body"]
    assert "Resources: 3 to create" in body and len(body) < MAX_OUTPUT + 1000


def test_missing_output_still_posts(tmp_path: Path) -> None:
    fake = FakeGitLab([])
    assert post(fake, tmp_path / "absent.txt", code=1) == 0
    assert "wrote no output" in fake.notes[0]["body"]


def test_outside_a_merge_request_posts_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CI_MERGE_REQUEST_IID")
    fake = FakeGitLab([])
    assert post(fake, tmp_path / "x.txt") == 0
    assert fake.calls == []


def test_markdown_mode_posts_the_report_itself_and_edits_it(tmp_path: Path) -> None:
    report = tmp_path / "comment.md"
    report.write_text("## Cost\n\n| | base | request |\n")
    fake = FakeGitLab([])
    args = ["--marker", "campus-cost", "--title", "Cost", "--markdown", str(report)]
    assert main(args, transport=fake) == 0
    body = fake.notes[-1]["body"]
    assert body == f"{marker_line('campus-cost')}\n## Cost\n\n| | base | request |\n"
    assert "```" not in body and "<details>" not in body
    report.write_text("## Cost\n\nchanged\n")
    assert main(args, transport=fake) == 0
    assert len(fake.notes) == 1 and fake.notes[0]["body"].endswith("changed\n")
