"""`Sandbox`: moto's server, the provisioned account, the local REST, HTTP and WebSocket stages and the shipper,
as one object.

Used in-process by tests, `apigwops demo` and other parts' tests, and by the background process that
`apigwops sandbox up` starts.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass

from apigwops.sandbox import constants as c
from apigwops.sandbox.alarms import AlarmEvaluator, provision_websocket_alarms
from apigwops.sandbox.backend import LambdaBackend
from apigwops.sandbox.config_faults import ConfigFaults
from apigwops.sandbox.faults import FaultSet
from apigwops.sandbox.limits import UsagePlanLimiter
from apigwops.sandbox.loopback import FAKE_CREDENTIALS, loopback_client, require_loopback
from apigwops.sandbox.motoserver import MotoServer
from apigwops.sandbox.pipeline import ApiInfo, Pipeline
from apigwops.sandbox.provision import Provisioned, provision
from apigwops.sandbox.records import Destinations, Recorder
from apigwops.sandbox.server import ControlServer, StageServer
from apigwops.sandbox.shipper import Shipper
from apigwops.sandbox.tokens import TokenAuthority
from apigwops.sandbox.waf import WebAcl
from apigwops.sandbox.websocket import facts as ws_facts
from apigwops.sandbox.websocket.boot import Prepared, WebSocketStage, prepare


@dataclass(frozen=True)
class StageEndpoint:
    """One API's local stage."""

    api_id: str
    api_name: str
    stage: str
    url: str  # base URL including the stage, e.g. http://127.0.0.1:PORT/prod
    api_type: c.ApiType


class Sandbox:
    """A running sandbox. Make one with `Sandbox.start()`; always `stop()` it (or use `with`)."""

    region = c.REGION

    def __init__(self) -> None:  # use start()
        self.moto_endpoint = ""
        self.rest: StageEndpoint
        self.http: StageEndpoint
        self.websocket: StageEndpoint
        self.websocket_management_url = ""  # endpoint_url for boto3's apigatewaymanagementapi client
        self.keys: dict[str, str] = {}
        self.tokens: dict[str, str] = {}
        self.provisioned: Provisioned
        self.control_url = ""
        self._moto: MotoServer | None = None
        self._servers: list[StageServer] = []
        self._websocket: WebSocketStage | None = None
        self._ws_prepared: Future[Prepared] | None = None
        self._control: ControlServer | None = None
        self._shipper: Shipper | None = None
        self._faults = FaultSet()
        self._config_faults: ConfigFaults | None = None
        self.lambda_log_format: c.LambdaLogFormat = c.DEFAULT_LAMBDA_LOG_FORMAT
        self._alarms: AlarmEvaluator | None = None

    @classmethod
    def start(
        cls,
        *,
        faults: Mapping[str, float] | None = None,
        time_scale: float = 0.01,
        ship_interval_s: float = 1.0,
        seed: int | None = None,
        moto_endpoint: str | None = None,
        lambda_log_format: c.LambdaLogFormat = c.DEFAULT_LAMBDA_LOG_FORMAT,
    ) -> Sandbox:
        """Start moto (unless `moto_endpoint` is given), provision it, and serve both stages.

        `lambda_log_format` is the log generation the functions write (§15.1-15.3): "text" (current, the
        default for a function created today), "old-text" or "json"."""
        from apigwops.errors import UsageError

        if not 0 < time_scale <= 1:
            raise UsageError(f"time scale must be above 0 and at most 1, not {time_scale}")
        if ship_interval_s <= 0:
            raise UsageError(f"ship interval must be above 0 seconds, not {ship_interval_s}")
        if lambda_log_format not in c.LAMBDA_LOG_FORMATS:
            raise UsageError(
                f"Lambda log format must be one of {', '.join(c.LAMBDA_LOG_FORMATS)}, not {lambda_log_format!r}"
            )
        sb = cls()
        sb._faults = FaultSet(faults, seed=seed)
        sb.lambda_log_format = lambda_log_format
        try:
            sb._boot(time_scale, ship_interval_s, seed, moto_endpoint)
        except BaseException:
            sb.stop()
            raise
        return sb

    def _boot(self, time_scale: float, interval: float, seed: int | None, moto_endpoint: str | None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        # The RSA key pair takes about a second; make it while moto boots and is provisioned.
        keygen = ThreadPoolExecutor(max_workers=1)
        private_pem = keygen.submit(TokenAuthority.new_private_key)
        keygen.shutdown(wait=False)
        if moto_endpoint is None:
            moto = MotoServer()
            self._moto = moto
            moto_endpoint = moto.endpoint
        require_loopback(moto_endpoint)
        self.moto_endpoint = moto_endpoint.rstrip("/")
        # The WebSocket API needs nothing of the others: provision it alongside them.
        ws_boot = ThreadPoolExecutor(max_workers=1)
        self._ws_prepared = ws_boot.submit(prepare, self.moto_endpoint)
        ws_boot.shutdown(wait=False)
        rest_server, http_server = StageServer(), StageServer()
        self._servers = [rest_server, http_server]
        urls = {
            "REST": f"http://127.0.0.1:{rest_server.port}/{c.STAGE}",
            "HTTP": f"http://127.0.0.1:{http_server.port}/{c.STAGE}",
        }
        p = provision(self.moto_endpoint, urls, self.lambda_log_format)
        self.provisioned = p
        self.keys = dict(p.keys)
        authority = TokenAuthority(p.issuer, p.client_id, private_pem=private_pem.result())
        self.tokens = authority.sample_tokens()
        self.rest = StageEndpoint(p.rest_api_id, c.REST_API_NAME, c.STAGE, urls["REST"], "REST")
        self.http = StageEndpoint(p.http_api_id, c.HTTP_API_NAME, c.STAGE, urls["HTTP"], "HTTP")
        shipper = Shipper(
            loopback_client("logs", self.moto_endpoint, c.REGION),
            loopback_client("cloudwatch", self.moto_endpoint, c.REGION),
            interval_s=interval,
        )
        self._shipper = shipper
        recorder = Recorder(
            Destinations(p.rest_api_id, p.http_api_id, p.log_groups, p.web_acl_arn, time_scale), shipper
        )
        rng = random.Random(seed)
        tiers = {t.name: t for t in c.TIERS}
        backends = {
            function.name: LambdaBackend(
                rng=random.Random(rng.random()),
                time_scale=time_scale,
                function=function,
                log_format=self.lambda_log_format,
            )
            for function in c.FUNCTIONS
        }
        key_tiers = {value: tier for tier, value in p.keys.items()}
        limiter = UsagePlanLimiter(tiers)
        apis: tuple[tuple[StageServer, c.ApiType, str, str, str], ...] = (
            (rest_server, "REST", p.rest_api_id, c.REST_API_NAME, p.rest_authorizer_id),
            (http_server, "HTTP", p.http_api_id, c.HTTP_API_NAME, p.http_authorizer_id),
        )
        for server, api_type, api_id, name, auth in apis:
            info = ApiInfo(
                api_type,
                api_id,
                name,
                auth,
                p.resource_ids,
                p.function_arns,
                key_tiers,
                p.key_ids,
                p.usage_plan_ids,
            )
            server.pipeline = Pipeline(
                info,
                faults=self._faults,
                tokens=authority,
                limiter=limiter,
                backends=backends,
                web_acl=WebAcl() if api_type == "REST" else None,
                time_scale=time_scale,
                rng=random.Random(rng.random()),
                on_record=recorder,
            )
        ws = WebSocketStage.start(
            self._ws_prepared.result(),
            self.moto_endpoint,
            faults=self._faults,
            tokens=authority,
            sink=shipper,
            time_scale=time_scale,
            rng=random.Random(rng.random()),
        )
        self._websocket = ws
        self.websocket = StageEndpoint(ws.provisioned.api_id, ws_facts.API_NAME, c.STAGE, ws.url, "WEBSOCKET")
        self.websocket_management_url = ws.management_url
        self._config_faults = ConfigFaults(self.moto_endpoint, p.rest_api_id, p.http_api_id)
        self._config_faults.apply(self._faults.rates)
        shipper.start()
        cloudwatch = loopback_client("cloudwatch", self.moto_endpoint, c.REGION)
        ws_api_id = ws.provisioned.api_id
        p.alarm_names += provision_websocket_alarms(cloudwatch, ws_api_id)
        self._alarms = AlarmEvaluator(cloudwatch, p.rest_api_id, p.http_api_id, websocket_api_id=ws_api_id)
        self._alarms.start()
        self._control = ControlServer(lambda: self._faults.rates, self.set_faults, self.flush)
        self.control_url = f"http://127.0.0.1:{self._control.port}"

    # -- public API ---------------------------------------------------------------------------------------
    @property
    def moto_pid(self) -> int | None:
        """The pid of the moto process this sandbox started (None when it was given `moto_endpoint`)."""
        return self._moto.pid if self._moto is not None else None

    @property
    def faults(self) -> dict[str, float]:
        return self._faults.rates

    def set_faults(self, faults: Mapping[str, float]) -> None:
        """Replace the active faults (an empty mapping heals the stage).

        Faults that are configuration mistakes on AWS also change the configuration in moto (`config_faults`).
        """
        self._faults.replace(faults)
        if self._config_faults is not None:
            self._config_faults.apply(self._faults.rates)
        if self._websocket is not None:
            self._websocket.config_faults.apply(self._faults.rates)

    def deploy(self, description: str = "sandbox change") -> str:
        """Record a change the way AWS would see one: a new REST deployment of stage `prod` and an update of the
        function's configuration (its LastModified moves). Returns the deployment id. For `recent-change`."""
        apig = loopback_client("apigateway", self.moto_endpoint, c.REGION)
        # Deploy, then point the stage at it: moto's CreateDeployment with stageName replaces the stage and
        # would drop its logging settings, which AWS keeps.
        deployment = apig.create_deployment(restApiId=self.rest.api_id, description=description)
        apig.update_stage(
            restApiId=self.rest.api_id,
            stageName=c.STAGE,
            patchOperations=[{"op": "replace", "path": "/deploymentId", "value": deployment["id"]}],
        )
        loopback_client("lambda", self.moto_endpoint, c.REGION).update_function_configuration(
            FunctionName=c.FUNCTION_NAME, Description=description
        )
        return str(deployment["id"])

    def flush(self) -> None:
        """Ship every pending log line and metric into moto now, synchronously."""
        if self._shipper is not None:
            self._shipper.flush()
        if self._alarms is not None:
            self._alarms.evaluate()  # the alarms see what was just shipped

    def env(self) -> dict[str, str]:
        """Environment that points the CLI (or the AWS CLI) at this sandbox's moto."""
        return {
            "AWS_ENDPOINT_URL": self.moto_endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
        }

    def stop(self) -> None:
        """Stop serving, ship what is pending, stop moto (if this sandbox started it). Idempotent."""
        if self._control is not None:
            self._control.stop()
            self._control = None
        for server in self._servers:
            server.stop()
        if self._alarms is not None:
            self._alarms.stop()
            self._alarms = None
        self._servers = []
        if self._websocket is not None:
            self._websocket.stop()
        elif self._ws_prepared is not None:  # boot failed before the stage started: stop its server
            with contextlib.suppress(Exception):
                self._ws_prepared.result().server.stop()
        self._websocket = self._ws_prepared = None
        if self._shipper is not None:
            with contextlib.suppress(Exception):  # moto may already be gone; nothing left to ship to
                self._shipper.stop()
            self._shipper = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
