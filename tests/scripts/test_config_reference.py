"""docs/configuration.md is generated from the schema and cannot drift from it."""

from pathlib import Path

import pytest

from scripts import config_reference
from scripts.config_reference import all_rows, main, render


def test_the_committed_reference_is_what_the_schema_generates() -> None:
    committed = config_reference.TARGET.read_text(encoding="utf-8")
    assert committed == render(), "docs/configuration.md is stale: run `make docs` and commit it"


def test_every_key_has_a_description_in_the_schema() -> None:
    undocumented = [row.path for row in all_rows() if not row.description]
    assert undocumented == []


def test_secrets_nested_keys_and_constraints_are_shown() -> None:
    rows = {row.path: row for row in all_rows()}
    assert rows["lab:proxmoxPassword"].secret
    assert not rows["lab:proxmox.endpoint"].secret
    assert rows["lab:fleet.profiles.<name>.cores"].constraints == ">= 1, <= 512"
    assert rows["lab:vmidRange.start"].default == "required"
    assert rows["cost:currency"].default == '`"USD"`'
    assert "roster row: login" in rows and "project file: ct[].hostname" in rows


def test_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("# hand-edited\n", encoding="utf-8")
    monkeypatch.setattr(config_reference, "TARGET", stale)
    assert main(["--check"]) == 1
    assert main([]) == 0
    assert main(["--check"]) == 0
    assert stale.read_text(encoding="utf-8") == render()
