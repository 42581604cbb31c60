"""GitLab CI: the same flow as GitHub's, with notes, manual prod and resource groups."""

from typing import Any, cast

import yaml

from tests.conftest import ROOT


def pipeline() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text()))


def test_merge_requests_test_then_preview_each_stack_with_a_note() -> None:
    ci = pipeline()
    assert ci["test"]["script"] == ["make test", "scripts/ci/offline-plans.sh"]
    assert ci["test"]["artifacts"]["paths"] == ["build/plans/"] and ci["test"]["artifacts"]["expose_as"]
    preview = ci["preview"]
    assert preview["needs"] == ["test"]
    assert preview["parallel"]["matrix"] == [{"STACK": ["staging", "prod"]}]
    # A fork's pipeline runs in the fork, where CI_PROJECT_ID is the fork's: compare with the target.
    assert preview["rules"][0]["if"].endswith(
        "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID"
    )
    script = (ROOT / "scripts" / "ci" / "gitlab-preview.sh").read_text()
    assert "--policy-pack policy" in script and '--marker "campus-preview:$STACK"' in script


def test_prod_is_a_manual_job_of_the_same_pipeline_in_a_protected_environment() -> None:
    ci = pipeline()
    staging, prod = ci["deploy:staging"], ci["deploy:prod"]
    assert prod["needs"] == ["deploy:staging"]
    assert prod["rules"][0]["when"] == "manual" and prod["rules"][0]["allow_failure"] is False
    assert "when" not in staging["rules"][0]
    assert staging["environment"]["name"] == "staging" and prod["environment"]["name"] == "prod"
    assert staging["resource_group"] == "pulumi-staging" and prod["resource_group"] == "pulumi-prod"
    for job, stack in ((staging, "staging"), (prod, "prod")):
        assert job["variables"]["STACK"] == stack
        assert job["interruptible"] is False
        assert job["script"] == [f'scripts/ci/deploy.sh "{stack} $CI_COMMIT_SHA"']


def test_credentials_come_from_oidc_and_ci_variables() -> None:
    ci = pipeline()
    assert ci[".pulumi"]["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
    for name in ("preview", "deploy:staging", "deploy:prod", "drift"):
        assert ci[name]["extends"] == ".pulumi"
        assert ci[name]["variables"]["AWS_ROLE_ARN"].startswith("$AWS_")


def test_drift_runs_on_schedules_only_and_expects_no_changes() -> None:
    drift = pipeline()["drift"]
    assert {r["if"] for r in drift["rules"]} == {
        '$CI_PIPELINE_SOURCE == "schedule"',
        '$CI_PIPELINE_SOURCE == "web"',
    }
    assert drift["script"] == ["scripts/ci/pulumi.sh preview --refresh --expect-no-changes --diff"]
    assert drift["parallel"]["matrix"] == [{"STACK": ["staging", "prod"]}]


def test_merge_requests_get_one_cost_note_comparing_base_and_request() -> None:
    cost = pipeline()["cost"]
    assert cost["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert cost["variables"]["GIT_DEPTH"] == "0"
    assert 'scripts/ci/cost-diff.sh "$CI_MERGE_REQUEST_DIFF_BASE_SHA"' in cost["script"]
    note = next(line for line in cost["script"] if "mr_note" in line)
    assert "--marker campus-cost" in note and "--markdown build/cost/comment.md" in note


def test_drift_waits_for_a_running_deploy_of_the_same_stack() -> None:
    ci = pipeline()
    assert ci["drift"]["resource_group"] == "pulumi-$STACK"
    assert ci["deploy:staging"]["resource_group"] == "pulumi-staging"
    assert ci["deploy:prod"]["resource_group"] == "pulumi-prod"
