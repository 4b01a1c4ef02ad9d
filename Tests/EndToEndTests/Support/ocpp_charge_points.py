"""Real charge points for the end-to-end tests, built with The Mobility House's `ocpp` library,
which checks every frame in both directions against the official OCPP 1.6 and 2.0.1 JSON schemas.

Usage: ocpp_charge_points.py SCENARIO BASE_URL [OPTIONS...]  (BASE_URL: the substation's http:// URL)
Each scenario drives charge points on loopback, polls for what it waits for until a deadline, and
prints one JSON object of what it saw; the Swift test decides the verdict.
"""

import asyncio
import base64
import json
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201

# The test runner may start us with SIGTERM blocked: take it back so a stop is a stop.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
signal.signal(signal.SIGTERM, signal.SIG_DFL)

DEADLINE = 45.0  # generous: a loaded machine is slow, and no verdict rests on how long a wait took


def now_text():
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def metrics(base_url):
    text = urllib.request.urlopen(base_url + "/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def metric(base_url, name, **labels):
    inside = ",".join(f'{key}="{value}"' for key, value in labels.items())
    for key, value in metrics(base_url).items():
        if key.startswith(name + "{") and all(f'{k}="{v}"' in key for k, v in labels.items()):
            return value
        if key == name and not inside:
            return value
    return None


def http_json(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


async def until(condition, what, deadline=DEADLINE):
    """Polls `condition` every 50 ms; raises after `deadline` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{what} did not happen within {deadline} s")


class Observations:
    """What one charge point heard from the central system."""

    def __init__(self):
        self.profiles = []  # every SetChargingProfile, in order
        self.reservations = []
        self.triggers = 0
        self.stop_requests = []
        self.cancelled_reservations = []

    def latest(self, purpose, transaction_id=None):
        for profile in reversed(self.profiles):
            if profile["purpose"] == purpose and (transaction_id is None or profile["transactionId"] == transaction_id):
                return profile
        return None

    def watts(self, profile):
        return profile["limit"] if profile["unit"] == "W" else profile["limit"] * 230 * 3


class Station16(ChargePoint16):
    def __init__(self, id, connection, power_w=22000):
        super().__init__(id, connection)
        self.seen = Observations()
        self.power_w = power_w
        self.ignore_limit = False  # a charger that takes a limit and draws more
        self.transaction_id = None

    async def boot(self, connectors=1):
        await self.call(call16.BootNotification(charge_point_model="TestWallbox", charge_point_vendor="TestVendor"))
        for connector in range(1, connectors + 1):
            await self.call(call16.StatusNotification(connector_id=connector, error_code="NoError", status="Available"))

    async def start_transaction(self, connector=1, id_tag="TAG1", reservation_id=None):
        answer = await self.call(
            call16.StartTransaction(
                connector_id=connector, id_tag=id_tag, meter_start=0, timestamp=now_text(), reservation_id=reservation_id
            )
        )
        self.transaction_id = answer.transaction_id
        await self.call(call16.StatusNotification(connector_id=connector, error_code="NoError", status="Charging"))
        return answer

    async def stop_transaction(self):
        await self.call(call16.StopTransaction(meter_stop=1000, timestamp=now_text(), transaction_id=self.transaction_id))

    def tx_limit_w(self):
        profile = self.seen.latest("TxProfile", self.transaction_id)
        return self.seen.watts(profile) if profile else None

    async def report_power(self, connector=1):
        limit = self.tx_limit_w()
        draw = min(self.power_w, limit) if limit is not None and not self.ignore_limit else self.power_w
        await self.call(
            call16.MeterValues(
                connector_id=connector,
                transaction_id=self.transaction_id,
                meter_value=[
                    {
                        "timestamp": now_text(),
                        "sampledValue": [{"value": str(round(draw)), "measurand": "Power.Active.Import", "unit": "W"}],
                    }
                ],
            )
        )

    @on("SetChargingProfile")
    def on_set_charging_profile(self, connector_id, cs_charging_profiles, **kwargs):
        schedule = cs_charging_profiles["charging_schedule"]
        self.seen.profiles.append(
            {
                "purpose": cs_charging_profiles["charging_profile_purpose"],
                "connector": connector_id,
                "transactionId": cs_charging_profiles.get("transaction_id"),
                "unit": schedule["charging_rate_unit"],
                "limit": float(schedule["charging_schedule_period"][0]["limit"]),
            }
        )
        return result16.SetChargingProfile(status="Accepted")

    @on("GetConfiguration")
    def on_get_configuration(self, **kwargs):
        return result16.GetConfiguration(
            configuration_key=[{"key": "ChargingScheduleAllowedChargingRateUnit", "readonly": True, "value": "Current,Power"}]
        )

    @on("ReserveNow")
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, **kwargs):
        self.seen.reservations.append(
            {"connector": connector_id, "idTag": id_tag, "reservationId": reservation_id, "expiry": expiry_date}
        )
        return result16.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **kwargs):
        self.seen.cancelled_reservations.append(reservation_id)
        return result16.CancelReservation(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message, **kwargs):
        self.seen.triggers += 1
        return result16.TriggerMessage(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(self, transaction_id, **kwargs):
        self.seen.stop_requests.append(transaction_id)
        return result16.RemoteStopTransaction(status="Accepted")


class Station201(ChargePoint201):
    def __init__(self, id, connection, power_w=22000):
        super().__init__(id, connection)
        self.seen = Observations()
        self.power_w = power_w
        self.ignore_limit = False  # a charger that takes a limit and draws more
        self.transaction_id = None
        self.seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    async def boot(self, connectors=1):
        await self.call(
            call201.BootNotification(
                charging_station={"model": "TestWallbox", "vendor_name": "TestVendor"}, reason="PowerUp"
            )
        )
        for evse in range(1, connectors + 1):
            await self.call(
                call201.StatusNotification(timestamp=now_text(), connector_status="Available", evse_id=evse, connector_id=1)
            )

    async def start_transaction(self, connector=1, id_tag="TAG1", reservation_id=None):
        self.transaction_id = f"{self.id}-tx-{int(time.time() * 1000)}"
        answer = await self.call(
            call201.TransactionEvent(
                event_type="Started",
                timestamp=now_text(),
                trigger_reason="Authorized",
                seq_no=self.next_seq(),
                transaction_info={"transaction_id": self.transaction_id, "charging_state": "Charging"},
                evse={"id": connector, "connector_id": 1},
                id_token={"id_token": id_tag, "type": "Central"},
                reservation_id=reservation_id,
            )
        )
        return answer

    async def stop_transaction(self, connector=1):
        await self.call(
            call201.TransactionEvent(
                event_type="Ended",
                timestamp=now_text(),
                trigger_reason="StopAuthorized",
                seq_no=self.next_seq(),
                transaction_info={"transaction_id": self.transaction_id, "stopped_reason": "Local"},
                evse={"id": connector, "connector_id": 1},
            )
        )

    def tx_limit_w(self):
        profile = self.seen.latest("TxProfile", self.transaction_id)
        return self.seen.watts(profile) if profile else None

    async def report_power(self, connector=1):
        limit = self.tx_limit_w()
        draw = min(self.power_w, limit) if limit is not None and not self.ignore_limit else self.power_w
        await self.call(
            call201.MeterValues(
                evse_id=connector,
                meter_value=[
                    {
                        "timestamp": now_text(),
                        "sampled_value": [
                            {"value": round(draw), "measurand": "Power.Active.Import", "unit_of_measure": {"unit": "W"}}
                        ],
                    }
                ],
            )
        )

    @on("SetChargingProfile")
    def on_set_charging_profile(self, evse_id, charging_profile, **kwargs):
        schedule = charging_profile["charging_schedule"][0]
        self.seen.profiles.append(
            {
                "purpose": charging_profile["charging_profile_purpose"],
                "connector": evse_id,
                "transactionId": charging_profile.get("transaction_id"),
                "unit": schedule["charging_rate_unit"],
                "limit": float(schedule["charging_schedule_period"][0]["limit"]),
            }
        )
        return result201.SetChargingProfile(status="Accepted")

    @on("GetVariables")
    def on_get_variables(self, get_variable_data, **kwargs):
        return result201.GetVariables(
            get_variable_result=[
                {
                    "attribute_status": "Accepted",
                    "attribute_value": "A,W",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in get_variable_data
            ]
        )

    @on("ReserveNow")
    def on_reserve_now(self, id, expiry_date_time, id_token, **kwargs):
        self.seen.reservations.append(
            {"connector": kwargs.get("evse_id"), "idTag": id_token["id_token"], "reservationId": id, "expiry": expiry_date_time}
        )
        return result201.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, reservation_id, **kwargs):
        self.seen.cancelled_reservations.append(reservation_id)
        return result201.CancelReservation(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message, **kwargs):
        self.seen.triggers += 1
        return result201.TriggerMessage(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop(self, transaction_id, **kwargs):
        self.seen.stop_requests.append(transaction_id)
        return result201.RequestStopTransaction(status="Accepted")


class Fleet:
    """Charge points connected to one substation, each with its message loop running."""

    def __init__(self, base_url, version, password=None):
        self.ws_url = base_url.replace("http://", "ws://") + "/ocpp/"
        self.version = version
        self.password = password
        self.stations = {}
        self.tasks = {}
        self.connections = {}

    async def connect(self, id, power_w=22000):
        headers = {}
        if self.password is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{id}:{self.password}".encode()).decode()
        connection = await websockets.connect(
            self.ws_url + id, subprotocols=[self.version], additional_headers=headers, open_timeout=10
        )
        assert connection.subprotocol == self.version, connection.subprotocol
        station = (Station16 if self.version == "ocpp1.6" else Station201)(id, connection, power_w)
        self.stations[id] = station
        self.connections[id] = connection
        self.tasks[id] = asyncio.create_task(station.start())
        return station

    async def drop(self, id):
        """The link goes away without a goodbye from the charger's side of OCPP."""
        self.tasks[id].cancel()
        await self.connections[id].close()

    async def close(self):
        for id in list(self.tasks):
            self.tasks[id].cancel()
            await self.connections[id].close()


async def limits_heard(base_url, stations):
    """Waits until each charger holds the transaction limit the substation last sent it.

    A start or stop changes every charger's limit, but each one hears it on its own link: the
    charger that called may have its answer and its own limit while another charger's new limit
    is still on the way. A limit read before that is not the one in force."""
    await until(
        lambda: all(
            s.tx_limit_w() is not None
            and abs((metric(base_url, "substation_charger_limit_watts", charge_point=s.id) or 0) - s.tx_limit_w()) < 1
            for s in stations
        ),
        "every charger holding the limit last sent to it",
    )


async def meter_loop(stations, stop):
    """Every 0.5 s each charging station reports what it draws: min(its power, its limit)."""
    while not stop.is_set():
        for station in stations:
            if station.transaction_id is not None:
                try:
                    await station.report_power()
                except Exception:
                    pass
        await asyncio.sleep(0.5)


async def share(base_url, version):
    """Three 22 kW chargers on one substation: the limits sent, then one stops."""
    fleet = Fleet(base_url, version)
    ids = ["CP1", "CP2", "CP3"]
    stations = [await fleet.connect(id) for id in ids]
    for station in stations:
        await station.boot()
    for station in stations:
        await station.start_transaction(id_tag="TAG-" + station.id)
    stop = asyncio.Event()
    meters = asyncio.create_task(meter_loop(stations, stop))
    # Wait until each has a limit for its transaction.
    await until(lambda: all(s.tx_limit_w() for s in stations), "a TxProfile for every transaction")
    # Those sent after the third start included: CP1's and CP2's come on their own links.
    await limits_heard(base_url, stations)
    before = {s.id: s.tx_limit_w() for s in stations}
    base_load = metric(base_url, "substation_base_load_watts")
    capacity = metric(base_url, "substation_capacity_watts")
    # Readings taken before a charger heard of its latest limit count what it drew then: wait for
    # each charger's reading at its limit.
    await until(
        lambda: all(
            abs((metric(base_url, "substation_charger_power_watts", charge_point=s.id) or 0) - s.tx_limit_w()) < 2 for s in stations
        ),
        "every charger's metered power at its limit",
    )
    ev_power = metric(base_url, "substation_ev_power_watts")
    limits_at_reading = {s.id: s.tx_limit_w() for s in stations}
    await stations[2].stop_transaction()
    await until(
        lambda: all(s.tx_limit_w() > before[s.id] + 100 for s in stations[:2]), "the others' limits rising after a stop"
    )
    after = {s.id: s.tx_limit_w() for s in stations[:2]}
    stop.set()
    await meters
    result = {
        "before": before,
        "after": after,
        "baseLoadW": base_load,
        "capacityW": capacity,
        "evPowerW": ev_power,
        "limitsAtReadingW": limits_at_reading,
        "stationMaxW": {s.id: s.seen.watts(s.seen.latest("ChargePointMaxProfile" if version == "ocpp1.6" else "ChargingStationMaxProfile")) for s in stations},
        "defaultW": {s.id: s.seen.watts(s.seen.latest("TxDefaultProfile")) for s in stations},
        "chargingPoints": metric(base_url, "substation_charging_points"),
        "connected": {id: metric(base_url, "substation_charger_connected", charge_point=id) for id in ids},
        "units": sorted({p["unit"] for s in stations for p in s.seen.profiles}),
    }
    await fleet.close()
    return result


async def meters(base_url, version):
    """An honest charger, one that draws 22 kW whatever its limit, and one whose meter says nothing."""
    fleet = Fleet(base_url, version)
    honest = await fleet.connect("CP-HONEST")
    greedy = await fleet.connect("CP-GREEDY")
    silent = await fleet.connect("CP-SILENT")
    stations = [honest, greedy, silent]
    for station in stations:
        await station.boot()
        await station.start_transaction(id_tag="TAG-" + station.id)
    greedy.ignore_limit = True
    stop = asyncio.Event()
    meters_task = asyncio.create_task(meter_loop([honest, greedy], stop))
    await until(lambda: all(s.tx_limit_w() for s in stations), "a TxProfile for every transaction")
    await until(
        lambda: (metric(base_url, "substation_charger_overdraw_total", charge_point="CP-GREEDY") or 0) >= 1, "an overdraw counted"
    )
    await until(lambda: silent.seen.triggers >= 1, "a TriggerMessage to the charger whose meter is silent")
    limits = {s.id: s.tx_limit_w() for s in stations}
    ev_power = metric(base_url, "substation_ev_power_watts")
    result = {
        "limits": limits,
        "evPowerW": ev_power,
        "limitsAfter": {s.id: s.tx_limit_w() for s in stations},
        "greedyDrawW": greedy.power_w,
        "overdraws": {s.id: metric(base_url, "substation_charger_overdraw_total", charge_point=s.id) for s in stations},
        "triggers": {s.id: s.seen.triggers for s in stations},
        "meteredW": {s.id: metric(base_url, "substation_charger_power_watts", charge_point=s.id) for s in stations},
    }
    stop.set()
    await meters_task
    await fleet.close()
    return result


async def offline(base_url, version, timeout):
    """Two chargers charging; one's link drops: its power stays counted until the timeout."""
    fleet = Fleet(base_url, version)
    a = await fleet.connect("CP-A")
    b = await fleet.connect("CP-B")
    for station in (a, b):
        await station.boot()
        await station.start_transaction(id_tag="TAG-" + station.id)
    await until(lambda: a.tx_limit_w() and b.tx_limit_w(), "limits for both")
    # CP-A's limit fell when CP-B started: read it once CP-A has heard that.
    await limits_heard(base_url, [a, b])
    limit_before = a.tx_limit_w()
    dropped_at = time.monotonic()
    await fleet.drop("CP-B")
    await until(lambda: metric(base_url, "substation_charger_connected", charge_point="CP-B") == 0, "CP-B seen offline")
    sessions_offline = []
    power_offline = []
    while time.monotonic() - dropped_at < timeout * 0.6:
        sessions_offline.append(metric(base_url, "substation_active_sessions"))
        power_offline.append(metric(base_url, "substation_ev_power_watts"))
        await asyncio.sleep(0.2)
    await until(lambda: metric(base_url, "substation_active_sessions") == 1, "CP-B's session ending", deadline=timeout + 10)
    released_after = time.monotonic() - dropped_at
    await until(lambda: a.tx_limit_w() > limit_before + 100, "CP-A's limit rising once CP-B is no longer counted")
    result = {
        "sessionsWhileOffline": sessions_offline,
        "evPowerWhileOffline": power_offline,
        "releasedAfterSeconds": released_after,
        "limitBeforeW": limit_before,
        "limitAfterW": a.tx_limit_w(),
    }
    await fleet.close()
    return result


async def booking(base_url, version, gateway_url, substation_id):
    """A booking through the gateway reserves a connector; the transaction there becomes it."""
    fleet = Fleet(base_url, version)
    station = await fleet.connect("CP-BOOK")
    await station.boot(connectors=2)

    def connectors_seen_by_the_balancer():
        grid = http_json("GET", gateway_url + "/api/v1/grid")[1]
        return any(s.get("id") == substation_id and (s.get("chargingPoints") or 0) >= 2 for s in grid["substations"])

    # Until the balancer has scraped the connectors, the substation has no point to offer.
    await until(connectors_seen_by_the_balancer, "the balancer seeing the charger's two connectors")
    answers = []
    booked = None
    for attempt in range(20):
        status, body = await asyncio.to_thread(
            http_json,
            "POST",
            gateway_url + "/api/v1/charge-requests", {"vehicleId": f"EV-{attempt}", "energyKWh": 30, "maxPowerKW": 11}
        )
        answers.append({"status": status, "substationId": (body or {}).get("substationId")})
        if status == 201 and body.get("substationId") == substation_id:
            booked = body
            break
    assert booked, f"no booking landed on {substation_id}: {answers}"
    await until(lambda: station.seen.reservations, "a ReserveNow")
    reservation = station.seen.reservations[0]
    read_before = http_json("GET", gateway_url + "/api/v1/charge-requests/" + booked["id"])[1]
    sessions_before = metric(base_url, "substation_active_sessions")
    await station.start_transaction(
        connector=reservation["connector"], id_tag=reservation["idTag"], reservation_id=reservation["reservationId"]
    )
    await until(lambda: station.tx_limit_w(), "a TxProfile for the booked transaction")
    read_charging = http_json("GET", gateway_url + "/api/v1/charge-requests/" + booked["id"])[1]
    sessions_charging = metric(base_url, "substation_active_sessions")
    limit = station.tx_limit_w()
    await station.stop_transaction()
    await until(
        lambda: http_json("GET", gateway_url + "/api/v1/charge-requests/" + booked["id"])[1]["status"] != "charging",
        "the booking ending with its transaction",
    )
    read_after = http_json("GET", gateway_url + "/api/v1/charge-requests/" + booked["id"])[1]
    result = {
        "booked": booked,
        "attempts": answers,
        "reservation": reservation,
        "transactionId": str(station.transaction_id),
        "readBefore": read_before,
        "readCharging": read_charging,
        "readAfter": read_after,
        "sessionsBefore": sessions_before,
        "sessionsCharging": sessions_charging,
        "limitW": limit,
    }
    await fleet.close()
    return result


async def expiry(base_url, version, timeout):
    """A booking made straight at the substation whose car never comes: the reservation expires."""
    fleet = Fleet(base_url, version)
    station = await fleet.connect("CP-LATE")
    await station.boot()
    status, body = await asyncio.to_thread(
        http_json, "POST", base_url + "/sessions", {"vehicleId": "EV-LATE", "energyKWh": 10, "maxPowerKW": 11}
    )
    assert status == 201, body
    booked_at = time.monotonic()
    second_status, second = await asyncio.to_thread(
        http_json, "POST", base_url + "/sessions", {"vehicleId": "EV-2", "energyKWh": 10, "maxPowerKW": 11}
    )
    await until(
        lambda: http_json("GET", base_url + "/sessions/" + body["id"])[1]["status"] != "charging",
        "the reservation expiring",
        deadline=timeout + 10,
    )
    expired_after = time.monotonic() - booked_at
    final = http_json("GET", base_url + "/sessions/" + body["id"])[1]
    result = {
        "booked": body,
        "secondStatus": second_status,
        "second": second,
        "expiredAfterSeconds": expired_after,
        "final": final,
        "reservations": station.seen.reservations,
    }
    await fleet.close()
    return result


async def refusals(base_url, password):
    """Handshakes that must be refused, and one that must pass."""
    ws_url = base_url.replace("http://", "ws://") + "/ocpp/"

    def basic(user, secret):
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}

    async def attempt(path, protocols, headers):
        try:
            connection = await websockets.connect(ws_url + path, subprotocols=protocols, additional_headers=headers, open_timeout=10)
        except websockets.exceptions.InvalidStatus as error:
            return error.response.status_code
        except websockets.exceptions.InvalidHandshake as error:
            return f"handshake failed: {error}"
        subprotocol = connection.subprotocol
        await connection.close()
        return f"101 {subprotocol}"

    return {
        "good16": await attempt("CP-OK", ["ocpp1.6"], basic("CP-OK", password)),
        "good201": await attempt("CP-OK", ["ocpp2.0.1"], basic("CP-OK", password)),
        "wrongPassword": await attempt("CP-OK", ["ocpp1.6"], basic("CP-OK", password + "x")),
        "noCredentials": await attempt("CP-OK", ["ocpp1.6"], {}),
        "otherChargersPassword": await attempt("CP-OTHER", ["ocpp1.6"], basic("CP-OK", password)),
        "badId": await attempt("bad%20id", ["ocpp1.6"], basic("bad id", password)),
        "longId": await attempt("X" * 65, ["ocpp1.6"], basic("X" * 65, password)),
        "badSubprotocol": await attempt("CP-OK", ["ocpp9.9"], basic("CP-OK", password)),
        "noSubprotocol": await attempt("CP-OK", None, basic("CP-OK", password)),
        "sessions": metric(base_url, "substation_sessions_total", outcome="admitted"),
    }


async def bad_input(base_url, version):
    """Broken frames get CALLERRORs; the link stays up and another charger is unaffected."""
    fleet = Fleet(base_url, version)
    other = await fleet.connect("CP-GOOD")
    await other.boot()
    raw = await websockets.connect(base_url.replace("http://", "ws://") + "/ocpp/CP-BAD", subprotocols=[version], open_timeout=10)

    async def exchange(text):
        """Sends a frame; the answer to it (calls from the central system in between are skipped)."""
        await raw.send(text)
        while True:
            frame = json.loads(await asyncio.wait_for(raw.recv(), 10))
            if frame[0] in (3, 4):
                return frame

    boot = (
        {"chargePointVendor": "V", "chargePointModel": "M"}
        if version == "ocpp1.6"
        else {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
    )
    wrong_type = (
        {"chargePointVendor": 42, "chargePointModel": "M"}
        if version == "ocpp1.6"
        else {"chargingStation": {"model": 42, "vendorName": "V"}, "reason": "PowerUp"}
    )
    answers = {
        "notJson": await exchange("this is not json"),
        "notAnArray": await exchange('{"hello": 1}'),
        "unknownAction": await exchange(json.dumps([2, "m1", "NoSuchAction", {}])),
        "missingField": await exchange(json.dumps([2, "m2", "BootNotification", {}])),
        "wrongType": await exchange(json.dumps([2, "m3", "BootNotification", wrong_type])),
        "boot": await exchange(json.dumps([2, "m4", "BootNotification", boot])),
        "heartbeat": await exchange(json.dumps([2, "m5", "Heartbeat", {}])),
    }
    # The other charger still talks.
    if version == "ocpp1.6":
        heartbeat = await other.call(call16.Heartbeat())
    else:
        heartbeat = await other.call(call201.Heartbeat())
    await raw.close()
    await fleet.close()
    return {"answers": answers, "otherHeartbeat": heartbeat.current_time}


async def hold(base_url, version):
    """A charger charging until the central system closes its link (a graceful stop): how it ended."""
    fleet = Fleet(base_url, version)
    station = await fleet.connect("CP-HOLD")
    await station.boot()
    await station.start_transaction()
    await until(lambda: station.tx_limit_w(), "a TxProfile")
    connection = fleet.connections["CP-HOLD"]
    await connection.wait_closed()
    closed_at = time.monotonic()
    return {"closeCode": connection.close_code, "closedAt": closed_at, "limitW": station.tx_limit_w()}


def main():
    scenario, base_url, *rest = sys.argv[1:]
    if scenario == "share":
        coroutine = share(base_url, rest[0])
    elif scenario == "hold":
        coroutine = hold(base_url, rest[0])
    elif scenario == "meters":
        coroutine = meters(base_url, rest[0])
    elif scenario == "offline":
        coroutine = offline(base_url, rest[0], float(rest[1]))
    elif scenario == "booking":
        coroutine = booking(base_url, rest[0], rest[1], rest[2])
    elif scenario == "expiry":
        coroutine = expiry(base_url, rest[0], float(rest[1]))
    elif scenario == "refusals":
        coroutine = refusals(base_url, rest[0])
    elif scenario == "bad-input":
        coroutine = bad_input(base_url, rest[0])
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    result = asyncio.run(asyncio.wait_for(coroutine, 150))
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
