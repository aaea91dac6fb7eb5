"""The two log engines behind one interface."""
