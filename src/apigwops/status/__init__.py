"""`apigwops status`: every API stage of one or more regions on one screen, worst first.

`inventory` lists APIs and stages, `read` fetches their metrics in batched GetMetricData calls plus the alarms,
`model` holds the result and decides the order and the next command to run.
"""
