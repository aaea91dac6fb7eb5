"""Evidence: what diagnose collects once (concurrently) and playbooks only read."""
