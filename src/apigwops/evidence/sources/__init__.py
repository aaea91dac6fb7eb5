"""The evidence sources the collector fans out."""
