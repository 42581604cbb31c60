"""The campus policy pack (CrossGuard): rules every stack must follow.

`policy/__main__.py` serves them to `pulumi preview --policy-pack policy`;
`offline/policies.py` runs the same functions over the offline plan.
"""
