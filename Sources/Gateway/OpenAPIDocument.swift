/// `GET /openapi.json`: the gateway's public API as OpenAPI 3.1.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "smartgrid gateway",
            "version": "1.0.0",
            "description": "Charge requests for electric vehicles, balanced across grid substations."
          },
          "paths": {
            "/api/v1/charge-requests": {
              "post": {
                "summary": "Ask for a charge; the balancer places the car at the least loaded substation that admits it.",
                "operationId": "createChargeRequest",
                "parameters": [
                  {"name": "Idempotency-Key", "in": "header", "required": false,
                   "description": "The same key with the same body returns the first answer and books nothing new; with another body, 422.",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
                ],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChargeRequest"}}}},
                "responses": {
                  "201": {"description": "Admitted.", "headers": {"Location": {"schema": {"type": "string"}}},
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChargeSession"}}}},
                  "202": {"description": "Nothing can admit the car now and the driver waits (maxWaitMinutes): in the waiting list.",
                          "headers": {"Location": {"schema": {"type": "string"}}},
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueuedChargeRequest"}}}},
                  "400": {"$ref": "#/components/responses/Problem"},
                  "409": {"$ref": "#/components/responses/Problem"},
                  "413": {"$ref": "#/components/responses/Problem"},
                  "415": {"$ref": "#/components/responses/Problem"},
                  "422": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"description": "No substation can admit the car now.",
                          "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                          "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                  "504": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/charge-requests/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {
                "summary": "The session now; energy delivered grows while it charges.",
                "operationId": "getChargeRequest",
                "responses": {
                  "200": {"description": "The session, or the request's place in (or exit from) the waiting list.",
                          "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/ChargeSession"},
                                                                                {"$ref": "#/components/schemas/QueuedChargeRequest"}]}}}},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"},
                  "504": {"$ref": "#/components/responses/Problem"}
                }
              },
              "delete": {
                "summary": "The vehicle leaves: the session ends as cancelled.",
                "operationId": "cancelChargeRequest",
                "responses": {
                  "200": {"description": "The final state (a waiting request leaves the line as cancelled).",
                          "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/ChargeSession"},
                                                                                {"$ref": "#/components/schemas/QueuedChargeRequest"}]}}}},
                  "404": {"$ref": "#/components/responses/Problem"},
                  "429": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"},
                  "504": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/grid": {
              "get": {
                "summary": "Every substation as the balancer sees it.",
                "operationId": "getGrid",
                "responses": {
                  "200": {"description": "The grid.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Grid"}}}},
                  "429": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"},
                  "504": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/grid/history": {
              "get": {
                "summary": "The last five minutes of the grid, one sample a second (oldest first), for dashboards opened mid-run.",
                "operationId": "getGridHistory",
                "responses": {
                  "200": {"description": "The history.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GridHistory"}}}},
                  "429": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/api/v1/grid/stream": {
              "get": {
                "summary": "Server-Sent Events: first one `history` event (the last five minutes, as GET /api/v1/grid/history), then one `grid` event a second with the whole grid, totals and recent decisions.",
                "operationId": "streamGrid",
                "responses": {"200": {"description": "An event stream: one `history` event whose data is the GridHistory as JSON, then `grid` events whose data is the Grid as JSON.",
                                      "content": {"text/event-stream": {"schema": {"type": "object",
                                        "properties": {"event": {"type": "string"}, "data": {"type": "string"},
                                                       "id": {"type": "string"}, "retry": {"type": "integer"}}}}}},
                              "429": {"$ref": "#/components/responses/Problem"}}
              }
            },
            "/request_charge": {
              "post": {
                "summary": "The original assignment's endpoint: no body, books an 11 kW, 20 kWh charge.",
                "operationId": "requestChargeLegacy",
                "responses": {
                  "201": {"description": "Admitted.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChargeSession"}}}},
                  "429": {"$ref": "#/components/responses/Problem"},
                  "502": {"$ref": "#/components/responses/Problem"},
                  "503": {"$ref": "#/components/responses/Problem"},
                  "504": {"$ref": "#/components/responses/Problem"}
                }
              }
            },
            "/health": {
              "get": {"summary": "Liveness.", "operationId": "health",
                      "responses": {"200": {"description": "Serving.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            },
            "/metrics": {
              "get": {"summary": "Prometheus text format.", "operationId": "metrics",
                      "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}
            }
          },
          "components": {
            "responses": {
              "Problem": {"description": "An RFC 9457 problem.", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            },
            "schemas": {
              "ChargeRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": ["vehicleId", "energyKWh", "maxPowerKW"],
                "properties": {
                  "vehicleId": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"},
                  "energyKWh": {"type": "number", "exclusiveMinimum": 0, "maximum": 200},
                  "maxPowerKW": {"type": "number", "exclusiveMinimum": 0, "maximum": 350},
                  "departureMinutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 2880},
                  "maxWaitMinutes": {"type": "integer", "minimum": 0, "maximum": 1440,
                                     "description": "How long the driver waits for a free point; 0 or absent: no waiting (503 when full)."}
                }
              },
              "QueuedChargeRequest": {
                "type": "object",
                "required": ["id", "vehicleId", "status", "waitUntil", "energyRequestedKWh", "energyDeliveredKWh", "powerKW", "createdAt"],
                "properties": {
                  "id": {"type": "string"},
                  "vehicleId": {"type": "string"},
                  "status": {"type": "string", "enum": ["queued", "expired", "cancelled"]},
                  "queuePosition": {"type": "integer", "minimum": 1},
                  "estimatedStartAt": {"type": "string", "format": "date-time"},
                  "waitUntil": {"type": "string", "format": "date-time"},
                  "energyRequestedKWh": {"type": "number"},
                  "energyDeliveredKWh": {"type": "number"},
                  "powerKW": {"type": "number"},
                  "createdAt": {"type": "string", "format": "date-time"}
                }
              },
              "ChargeSession": {
                "type": "object",
                "required": ["id", "vehicleId", "substationId", "status", "energyRequestedKWh", "energyDeliveredKWh", "powerKW", "createdAt"],
                "properties": {
                  "id": {"type": "string"},
                  "vehicleId": {"type": "string"},
                  "substationId": {"type": "string"},
                  "status": {"type": "string", "enum": ["charging", "completed", "departed", "cancelled"]},
                  "energyRequestedKWh": {"type": "number"},
                  "energyDeliveredKWh": {"type": "number"},
                  "powerKW": {"type": "number"},
                  "createdAt": {"type": "string", "format": "date-time"},
                  "chargePointId": {"type": "string", "description": "At a substation with real charge points: the one reserved for this session"},
                  "connectorId": {"type": "integer"},
                  "transactionId": {"type": "string", "description": "The charge point's transaction, once the car charges"}
                }
              },
              "Grid": {
                "type": "object",
                "required": ["policy", "substations"],
                "properties": {
                  "policy": {"type": "string"},
                  "substations": {"type": "array", "items": {
                    "type": "object",
                    "required": ["url", "up"],
                    "properties": {
                      "id": {"type": ["string", "null"]}, "url": {"type": "string"}, "up": {"type": "boolean"},
                      "drained": {"type": "boolean"}, "retired": {"type": "boolean"},
                      "load": {"type": ["number", "null"]}, "effectiveLoad": {"type": ["number", "null"]},
                      "capacityKW": {"type": ["number", "null"]}, "powerKW": {"type": ["number", "null"]},
                      "activeSessions": {"type": ["integer", "null"]}, "chargingPoints": {"type": ["integer", "null"]},
                      "sessionsEndingWithin": {"type": ["object", "null"], "additionalProperties": {"type": "integer"},
                                               "description": "Sessions expected to end within each horizon, keyed by real seconds."},
                      "energyDeliveredKWh": {"type": ["number", "null"]}, "energyRequestedKWh": {"type": ["number", "null"]},
                      "chargers": {"type": "array", "items": {"type": "object", "required": ["chargePointId", "connected", "powerKW"],
                        "properties": {"chargePointId": {"type": "string"}, "connected": {"type": "boolean"}, "powerKW": {"type": "number"}}}}
                    }}},
                  "recentDecisions": {"type": "array", "items": {"type": "object"}}
                }
              },
              "GridHistory": {
                "type": "object",
                "required": ["windowSeconds", "intervalSeconds", "samples"],
                "properties": {
                  "windowSeconds": {"type": "number"},
                  "intervalSeconds": {"type": "number"},
                  "samples": {"type": "array", "items": {
                    "type": "object",
                    "required": ["time", "substations"],
                    "properties": {
                      "time": {"type": "string", "format": "date-time"},
                      "substations": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "up", "load"],
                        "properties": {
                          "id": {"type": "string"}, "up": {"type": "boolean"}, "load": {"type": "number"},
                          "activeSessions": {"type": "integer"}, "chargingPoints": {"type": "integer"}
                        }}}
                    }}}
                }
              },
              "Problem": {
                "type": "object",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                  "type": {"type": "string"},
                  "title": {"type": "string"},
                  "status": {"type": "integer"},
                  "detail": {"type": "string"},
                  "reason": {"type": "string"},
                  "retryAfterSeconds": {"type": "integer"},
                  "errors": {"type": "array", "items": {"type": "object", "required": ["field", "message"],
                             "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
                }
              }
            }
          }
        }
        """#
}
