"""What moto's Lambda lacks and the sandbox's account must show: a function's `LoggingConfig` (§15.3).

AWS returns `LoggingConfig` (`LogFormat` Text|JSON, `LogGroup`, ...) in CreateFunction, GetFunction and
GetFunctionConfiguration, and a function created today has `LogFormat: Text` [DOC Lambda "Configuring JSON and
plain text log formats"]. moto (5.x) drops the parameter, so diagnose could not read which format a function
writes. Applied in the sandbox's moto process only (`motochild.py`), before the server starts.
"""

from __future__ import annotations

from typing import Any


def add_lambda_logging_config() -> None:
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction, "_apigwops_logging_config", False):
        return
    original_init = LambdaFunction.__init__
    original_get = LambdaFunction.get_configuration
    original_update = LambdaFunction.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        given = spec.get("LoggingConfig") or {}
        self.logging_config = {
            "LogFormat": given.get("LogFormat", "Text"),
            "LogGroup": given.get("LogGroup", f"/aws/lambda/{spec.get('FunctionName')}"),
            **{k: v for k, v in given.items() if k in ("ApplicationLogLevel", "SystemLogLevel")},
        }

    def get_configuration(self: Any, on_create: bool = False) -> dict[str, Any]:
        config: dict[str, Any] = original_get(self, on_create)
        config["LoggingConfig"] = dict(getattr(self, "logging_config", {"LogFormat": "Text"}))
        return config

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if config_updates.get("LoggingConfig"):
            self.logging_config = {**getattr(self, "logging_config", {}), **config_updates["LoggingConfig"]}
        result: dict[str, Any] = original_update(self, config_updates)
        return result

    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction._apigwops_logging_config = True  # type: ignore[attr-defined]
