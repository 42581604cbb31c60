"""The campus policy pack (CrossGuard): rules every stack must follow.

`policy/__main__.py` serves them to `pulumi preview --policy-pack policy`;
the offline plan starts the same analyzer and judges its plan through it
(`offline/analyzer.py`).
"""
