"""Starts the WebSocket stage inside a sandbox: the server (its port is in the API's URL tag), the API in moto,
the stage with its own Lambda backends (handler and authorizer functions) and the recorder into the shipper.
`core.Sandbox` runs `prepare` (server and provisioning, independent of the REST and HTTP APIs, so it runs
alongside their provisioning), then `WebSocketStage.start` and `stop`; nothing else of the sandbox needs more."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from apigwops.sandbox.backend import LambdaBackend
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.telemetry import Sink
from apigwops.sandbox.tokens import TokenAuthority
from apigwops.sandbox.websocket.config_faults import WsConfigFaults
from apigwops.sandbox.websocket.integration import WsIntegration
from apigwops.sandbox.websocket.provision import WsProvisioned, provision_websocket
from apigwops.sandbox.websocket.records import WsDestinations, WsRecorder
from apigwops.sandbox.websocket.server import WsServer
from apigwops.sandbox.websocket.stage import WsStage


@dataclass(frozen=True)
class Prepared:
    """The server listening (no stage yet) and the API provisioned in moto."""

    server: WsServer
    provisioned: WsProvisioned


def prepare(moto_endpoint: str) -> Prepared:
    server = WsServer()
    try:
        return Prepared(server, provision_websocket(moto_endpoint, server.url))
    except BaseException:
        server.stop()
        raise


@dataclass
class WebSocketStage:
    server: WsServer
    stage: WsStage
    provisioned: WsProvisioned
    config_faults: WsConfigFaults

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def management_url(self) -> str:
        return self.server.management_url

    @classmethod
    def start(
        cls,
        prepared: Prepared,
        moto_endpoint: str,
        *,
        faults: FaultSet,
        tokens: TokenAuthority,
        sink: Sink,
        time_scale: float,
        rng: random.Random,
    ) -> WebSocketStage:
        server, p = prepared.server, prepared.provisioned
        try:
            recorder = WsRecorder(
                WsDestinations(p.api_id, p.log_groups, time_scale, os.urandom(16).hex()), sink
            )
            stage = WsStage(
                api_id=p.api_id,
                authorizer_id=p.authorizer_id,
                integration=WsIntegration(
                    p.function_arn,
                    LambdaBackend(rng=random.Random(rng.random()), time_scale=time_scale),
                    faults,
                    random.Random(rng.random()),
                ),
                authorizer_backend=LambdaBackend(rng=random.Random(rng.random()), time_scale=time_scale),
                tokens=tokens,
                faults=faults,
                time_scale=time_scale,
                rng=random.Random(rng.random()),
                on_event=recorder,
            )
            server.attach(stage)
            config = WsConfigFaults(moto_endpoint, p)
            config.apply(faults.rates)
        except BaseException:
            server.stop()
            raise
        return cls(server, stage, p, config)

    def stop(self) -> None:
        self.server.stop()
