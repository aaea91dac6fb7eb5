"""Diagnose: playbooks (YAML, a closed vocabulary) evaluated over collected evidence into a ranked report.

`diagnose(evidence)` is the library entry point; `load_playbooks()` reads the shipped playbooks plus the user's.
Importing this package is cheap; pandas, pydantic and yaml load with the modules that need them.
"""
