#!/usr/bin/env python3
"""Checks the gateway's /openapi.json: a valid OpenAPI 3.1 document, and real answers of the
running gateway match the schemas it declares. Usage: check_openapi.py GATEWAY_URL"""
import json, sys, urllib.error, urllib.request

import jsonschema
from openapi_spec_validator import validate

gateway = sys.argv[1]
spec = json.load(urllib.request.urlopen(gateway + "/openapi.json", timeout=10))
validate(spec)
schemas = spec["components"]["schemas"]


def check(name, value):
    # Resolve local references against the document itself.
    schema = dict(schemas[name], components=spec["components"])
    jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)


def call(method, path, body=None, content_type="application/json"):
    data = json.dumps(body).encode() if isinstance(body, dict) else body
    request = urllib.request.Request(gateway + path, data=data, method=method)
    if data is not None and content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


checked = []
status, session = call("POST", "/api/v1/charge-requests", {"vehicleId": "EV-api", "energyKWh": 20, "maxPowerKW": 11})
assert status == 201, status
check("ChargeSession", session); checked.append("201 ChargeSession")
status, again = call("GET", "/api/v1/charge-requests/" + session["id"])
assert status == 200, status
check("ChargeSession", again); checked.append("200 ChargeSession")
# The grid has one point, now taken: a driver who waits joins the waiting list.
status, queued = call("POST", "/api/v1/charge-requests",
                      {"vehicleId": "EV-wait", "energyKWh": 20, "maxPowerKW": 11, "maxWaitMinutes": 30})
assert status == 202, status
check("QueuedChargeRequest", queued); checked.append("202 QueuedChargeRequest")
status, place = call("GET", "/api/v1/charge-requests/" + queued["id"])
assert status == 200 and place["status"] == "queued", (status, place)
check("QueuedChargeRequest", place); checked.append("200 QueuedChargeRequest")
status, left = call("DELETE", "/api/v1/charge-requests/" + queued["id"])
assert status == 200 and left["status"] == "cancelled", (status, left)
check("QueuedChargeRequest", left); checked.append("200 QueuedChargeRequest (cancelled)")
status, grid = call("GET", "/api/v1/grid")
check("Grid", grid); checked.append("200 Grid")
for path, body, content_type, expected in [
    ("/api/v1/charge-requests", {"vehicleId": "", "energyKWh": -1}, "application/json", 400),
    ("/api/v1/charge-requests", b"vehicleId=1", "application/x-www-form-urlencoded", 415),
    ("/api/v1/charge-requests/unknown", None, None, 404),
]:
    status, problem = call("POST" if body is not None else "GET", path, body, content_type)
    assert status == expected, (path, status)
    check("Problem", problem); checked.append(f"{status} Problem")
print(json.dumps(checked))
