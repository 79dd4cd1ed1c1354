"""Optional MQTT subscription for IoT platforms that publish readings instead of pushing them.

Offers ``run(state)`` (started by ``ingest.background`` only when ``settings.mqtt_url`` is set),
``MqttTarget`` / ``parse_url`` and ``handle_payload``. Needs the optional extra ``cityops[mqtt]``
(aiomqtt), imported only here and only when the subscription starts.

URL: ``mqtt://[user:password@]host[:port]/topic`` (``mqtts://`` for TLS, default ports 1883 and
8883). The topic is everything after the first ``/`` and may use the ``+`` and ``#`` wildcards.
Query parameters (after ``?``): ``group=NAME`` subscribes as ``$share/NAME/topic`` so that
several server processes split the messages instead of each processing every one;
``client_id=ID`` makes a persistent session (the broker keeps QoS 1 messages while the server is
away). Credentials may also come from ``CITYOPS_MQTT_USER`` / ``CITYOPS_MQTT_PASSWORD``.

Each message is one JSON ``ReadingsBatch``; it goes through ``ingest.ingest_readings`` (the same
function as the HTTP route) in a worker thread, messages in arrival order. An invalid message is
logged and dropped (it would never become valid by retrying); an empty one (a retained message
being cleared) is ignored. Connection errors reconnect with exponential backoff and jitter
(1 s doubling to 60 s). MQTT has no Idempotency-Key: a QoS 1 redelivery counts its readings again
(alarms de-duplicate, so that is one extra occurrence, never a second alarm).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import ValidationError

from cityops.domain.schemas import ReadingsBatch
from cityops.server import ingest
from cityops.server.state import ServerState

log = logging.getLogger(__name__)

FIRST_BACKOFF: Final = 1.0
MAX_BACKOFF: Final = 60.0


@dataclass(frozen=True, slots=True)
class MqttTarget:
    host: str
    port: int
    topic: str
    tls: bool = False
    username: str | None = None
    password: str | None = None
    group: str | None = None
    client_id: str | None = None

    @property
    def subscription(self) -> str:
        return f"$share/{self.group}/{self.topic}" if self.group else self.topic


def parse_url(url: str) -> MqttTarget:
    """Read an ``mqtt://`` URL (see the module docstring); ``ValueError`` names the problem."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("mqtt", "mqtts"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
    rest, _, query = rest.partition("?")
    netloc, _, topic = rest.partition("/")
    if not topic:
        raise ValueError(f"MQTT URL {url!r} names no topic (mqtt://host:port/topic)")
    parts = urlsplit(f"//{netloc}")
    if not parts.hostname:
        raise ValueError(f"MQTT URL {url!r} names no host")
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    tls = scheme == "mqtts"
    return MqttTarget(
        host=parts.hostname,
        port=parts.port or (8883 if tls else 1883),
        topic=unquote(topic),
        tls=tls,
        username=unquote(parts.username) if parts.username else os.environ.get("CITYOPS_MQTT_USER"),
        password=(
            unquote(parts.password) if parts.password else os.environ.get("CITYOPS_MQTT_PASSWORD")
        ),
        group=params.get("group") or None,
        client_id=params.get("client_id") or None,
    )


async def handle_payload(
    state: ServerState, payload: Any, topic: str = ""
) -> dict[str, Any] | None:
    """Process one message's payload; returns the ingest answer, or None if it was dropped."""
    if isinstance(payload, str):
        payload = payload.encode()
    if not isinstance(payload, bytes | bytearray):
        log.warning("MQTT message on %s dropped: payload is not JSON text", topic)
        return None
    if not payload.strip():
        return None  # a retained message being cleared
    try:
        batch = ReadingsBatch.model_validate_json(payload)
    except ValidationError as exc:
        log.warning(
            "MQTT message on %s dropped: not a readings batch (%d errors; first: %s)",
            topic,
            exc.error_count(),
            exc.errors(include_url=False)[0].get("msg", "?"),
        )
        return None
    result, _ = await asyncio.to_thread(ingest.ingest_readings, state, batch.readings)
    return result


async def run(state: ServerState) -> None:
    """Subscribe for the life of the process, reconnecting with backoff; never returns normally
    unless MQTT is not configured or aiomqtt is not installed."""
    url = state.settings.mqtt_url
    if not url:
        return
    try:
        import aiomqtt
    except ImportError:
        log.error("mqtt_url is set but aiomqtt is missing: install cityops[mqtt]")
        return
    target = parse_url(url)
    backoff = FIRST_BACKOFF
    while True:
        try:
            async with aiomqtt.Client(
                target.host,
                target.port,
                username=target.username,
                password=target.password,
                identifier=target.client_id,
                clean_session=False if target.client_id else None,
                tls_params=aiomqtt.TLSParameters() if target.tls else None,
                keepalive=30,
            ) as client:
                await client.subscribe(target.subscription, qos=1)
                log.info(
                    "MQTT: subscribed to %s on %s:%d", target.subscription, target.host, target.port
                )
                backoff = FIRST_BACKOFF
                async for message in client.messages:
                    try:
                        await handle_payload(state, message.payload, str(message.topic))
                    except Exception:
                        # A database error: log it and go on with the next message rather than
                        # dropping the connection (the broker has already handed this one over).
                        log.exception("MQTT message on %s could not be ingested", message.topic)
        except aiomqtt.MqttError as exc:
            log.warning(
                "MQTT %s:%d: %s; reconnecting in %.0f s", target.host, target.port, exc, backoff
            )
        await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
        backoff = min(backoff * 2, MAX_BACKOFF)
