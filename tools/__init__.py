"""Training and evaluation tools: fit the shipped models, score summaries, cross-validate.

Not part of the installed package (the wheel ships `bot` and `summarizer` only); run from a
checkout, e.g. `python -m tools.train`. The quality checks in tests/ call them.
"""
