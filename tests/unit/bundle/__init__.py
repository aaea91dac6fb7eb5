"""Tests of evidence bundles (write, read, redaction) and of the parts they are built from."""
