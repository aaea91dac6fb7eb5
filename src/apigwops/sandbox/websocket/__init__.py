"""The sandbox's WebSocket stage: a WebSocket API provisioned in moto and a real WebSocket server on 127.0.0.1.

`facts.py` holds what AWS documents for WebSocket APIs (limits, route selection, log groups, the access-log
format); `provision.py` creates the API in moto; `stage.py` decides what API Gateway would do for each connect,
message and disconnect; `server.py` serves it with the `websockets` library plus the `@connections` management
endpoint; `records.py` turns each event into the log lines and metrics AWS writes.
"""
