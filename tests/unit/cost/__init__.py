"""Unit tests of the cost estimator: pure Python, no AWS."""
