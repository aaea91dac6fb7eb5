"""CLI tests of `apigwops diagnose` and `apigwops playbooks`."""
