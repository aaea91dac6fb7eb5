"""Parsers: the stage's access-log format, and each log kind's lines into the model's tables."""
