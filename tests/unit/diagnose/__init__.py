"""Unit tests of the diagnose engine, playbooks and renderers."""
