"""`BudgetSlackAlerts`: AWS Budgets notifications delivered to a Slack channel through AWS Chatbot.

Budgets publishes to an SNS topic; a Chatbot Slack channel configuration
subscribes the channel to it. Slack workspaces are authorised for Chatbot once,
by hand, in the Chatbot console (an OAuth step with no API); after that the
workspace and channel ids are plain configuration.
"""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.policies import assume_role_policy

# Read-only guardrail: without one, Chatbot applies AdministratorAccess as the
# channel's ceiling, and anyone in the channel could run mutating commands.
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
# AWS Chatbot's "notification permissions" template: enough to render
# CloudWatch-based notifications, nothing else.
NOTIFICATION_POLICY = "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"


@dataclass(frozen=True)
class BudgetSlackAlertsArgs:
    """Inputs of `BudgetSlackAlerts`."""

    stack: str
    """Stack the budget belongs to; names the topic and the configuration."""
    slack_workspace_id: str
    """Id of the Slack workspace authorised in AWS Chatbot, e.g. `T07EA123LEP`."""
    slack_channel_id: str
    """Id of the channel (channel details in Slack), e.g. `C07EZ1ABC23`."""
    provider: aws.Provider
    """Explicit AWS provider."""


class BudgetSlackAlerts(pulumi.ComponentResource):
    """The SNS topic AWS Budgets publishes to, and the Chatbot configuration that posts it to Slack."""

    topic_arn: pulumi.Output[str]
    """ARN to list in the budget notifications' `subscriber_sns_topic_arns`."""

    def __init__(
        self, name: str, args: BudgetSlackAlertsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("campus:aws:BudgetSlackAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        # Not KMS-encrypted: Budgets cannot publish to a topic encrypted with the
        # AWS-managed SNS key (its key policy cannot grant budgets.amazonaws.com),
        # and the messages carry amounts only, no secret.
        topic = aws.sns.Topic(f"{name}-topic", name=f"{args.stack}-budget-alerts", opts=child)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=topic.arn.apply(_publish_policy),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-chatbot-role",
            name=f"{args.stack}-budget-alerts-chatbot",
            assume_role_policy=assume_role_policy("chatbot.amazonaws.com"),
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-chatbot-notifications", role=role.name, policy_arn=NOTIFICATION_POLICY, opts=child
        )
        # The provider sends Chatbot calls to us-west-2 when the stack's region
        # has no Chatbot endpoint (eu-west-3 has none): terraform-provider-aws
        # internal/service/chatbot/service_package.go, NewClient.
        aws.chatbot.SlackChannelConfiguration(
            f"{name}-slack",
            configuration_name=f"{args.stack}-budget-alerts",
            iam_role_arn=role.arn,
            slack_team_id=args.slack_workspace_id,
            slack_channel_id=args.slack_channel_id,
            sns_topic_arns=[topic.arn],
            guardrail_policy_arns=[READ_ONLY_POLICY],
            logging_level="ERROR",
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=[attachment]),
        )
        self.topic_arn = topic.arn
        self.register_outputs({"topic_arn": self.topic_arn})


def _publish_policy(topic_arn: str) -> str:
    """Topic policy: AWS Budgets may publish to this topic, nobody else is granted anything."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BudgetsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "budgets.amazonaws.com"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                }
            ],
        }
    )
