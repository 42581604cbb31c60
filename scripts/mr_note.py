"""Create or update the GitLab merge-request note that carries a marker.

`python -m scripts.mr_note --marker campus-preview:staging --title ... FILE`
posts FILE (a preview's output) as a note on the pipeline's merge request, or
edits the note with the same marker, so each stack keeps one note that later
pushes update. Reads CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID
(set by GitLab) and GITLAB_NOTE_TOKEN (a project access token with `api`
scope, as a masked CI/CD variable).
"""

import argparse
import json
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

# Notes are capped at 1,000,000 characters; stay far below and keep the end (the summary).
MAX_OUTPUT = 60_000
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Transport = Callable[[str, str, Mapping[str, str] | None], tuple[Any, Mapping[str, str]]]
"""(method, url, form fields) -> (decoded JSON body, response headers)."""


def http_transport(token: str) -> Transport:
    """Calls the GitLab API with a private token."""

    def call(method: str, url: str, fields: Mapping[str, str] | None) -> tuple[Any, Mapping[str, str]]:
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={"PRIVATE-TOKEN": token})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null"), dict(response.headers)

    return call


def marker_line(marker: str) -> str:
    """The hidden line that identifies a note across pushes."""
    return f"<!-- {marker} -->"


def note_body(marker: str, title: str, exit_code: int, output: str | None, commit: str) -> str:
    """The note's Markdown."""
    verdict = "succeeded" if exit_code == 0 else f"failed (exit {exit_code})"
    lines = [marker_line(marker), f"### {title}: {verdict}", "", f"Commit `{commit}`." if commit else ""]
    if output is None:
        lines += ["", "The command wrote no output; see the job log."]
    else:
        text = _ANSI.sub("", output)
        if len(text) > MAX_OUTPUT:
            text = "[... earlier output cut ...]\n" + text[-MAX_OUTPUT:]
        lines += [
            "",
            "<details><summary>Output</summary>",
            "",
            "```",
            text.rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
    return "\n".join(lines) + "\n"


def find_note(transport: Transport, notes_url: str, marker: str) -> int | None:
    """The id of the note carrying the marker, across every page of notes."""
    page = "1"
    while page:
        query = urllib.parse.urlencode({"per_page": "100", "page": page, "sort": "asc"})
        body, headers = transport("GET", f"{notes_url}?{query}", None)
        for note in cast(list[dict[str, Any]], body or []):
            if marker_line(marker) in str(note.get("body", "")):
                return int(note["id"])
        page = {k.lower(): v for k, v in headers.items()}.get("x-next-page", "")
    return None


def upsert(transport: Transport, notes_url: str, marker: str, body: str) -> tuple[str, int]:
    """Edit the marked note, or create it: ("updated" | "created", note id)."""
    existing = find_note(transport, notes_url, marker)
    if existing is not None:
        transport("PUT", f"{notes_url}/{existing}", {"body": body})
        return "updated", existing
    created, _ = transport("POST", notes_url, {"body": body})
    return "created", int(cast(dict[str, Any], created)["id"])


def markdown_body(marker: str, markdown: str | None) -> str:
    """A note whose body is the file's Markdown itself (a report, not a command's output)."""
    text = markdown if markdown is not None else "The report is missing; see the job log."
    return f"{marker_line(marker)}\n{text.rstrip()}\n"


def main(argv: Sequence[str] | None = None, transport: Transport | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.mr_note", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--marker", required=True, help="identifies the note, e.g. campus-preview:staging")
    parser.add_argument("--title", required=True)
    parser.add_argument("--exit-code", type=int, default=0, help="the command's exit code")
    parser.add_argument(
        "--markdown", action="store_true", help="FILE is Markdown to post as it is, not a command's output"
    )
    parser.add_argument("file", type=Path, help="the command's output (or, with --markdown, the note)")
    args = parser.parse_args(argv)
    env = os.environ
    missing = [k for k in ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID") if not env.get(k)]
    if transport is None and not env.get("GITLAB_NOTE_TOKEN"):
        missing.append("GITLAB_NOTE_TOKEN")
    if missing:
        print(f"mr_note: not posting, {', '.join(missing)} unset", file=sys.stderr)
        return 0
    output = args.file.read_text(errors="replace") if args.file.is_file() else None
    if args.markdown:
        body = markdown_body(args.marker, output)
    else:
        body = note_body(args.marker, args.title, args.exit_code, output, env.get("CI_COMMIT_SHORT_SHA", ""))
    project = urllib.parse.quote(env["CI_PROJECT_ID"], safe="")
    notes_url = (
        f"{env['CI_API_V4_URL']}/projects/{project}/merge_requests/{env['CI_MERGE_REQUEST_IID']}/notes"
    )
    action, note_id = upsert(
        transport or http_transport(env["GITLAB_NOTE_TOKEN"]), notes_url, args.marker, body
    )
    print(f"mr_note: {action} note {note_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
