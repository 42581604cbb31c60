"""The offline tooling: it judges the program from above and never reaches real infrastructure.

`harness` runs the real `__main__.py` under Pulumi's mock runtime (`mocks/`) and
records what it registers; `plan` is the command (`python -m stacks.plan`),
`report` prints and writes the plan document, `analyzer` serves the policy
pack through the real analyzer, `policies` and `cost` judge a plan with it
and estimate its cost. Imports point down:
`config/` <- `components/` <- `stacks/` <- `cost/`, `policy/` <- `offline/`;
nothing below imports this package.
"""
