"""CloudWatch alarms as an entry point: read the alarm that paged, map it to an API stage, check coverage.

`model` parses DescribeAlarms records, `read` fetches an alarm with its children and state history, `target`
turns it into what `diagnose` needs (API, stage, symptom, window), `recommended` holds the seed's recommended
alarm set and prints what a stage is missing. Read-only: nothing here creates or changes an alarm.
"""
