/// What a driver asks for: energy, the most power the car accepts, and optionally when it leaves.
public struct ChargeRequest: Codable, Equatable, Sendable {
    public var vehicleId: String
    public var energyKWh: Double
    public var maxPowerKW: Double
    public var departureMinutes: Double?

    public init(vehicleId: String, energyKWh: Double, maxPowerKW: Double, departureMinutes: Double? = nil) {
        self.vehicleId = vehicleId
        self.energyKWh = energyKWh
        self.maxPowerKW = maxPowerKW
        self.departureMinutes = departureMinutes
    }

    /// The request the original assignment's `POST /request_charge` books: an ordinary AC charge.
    public static func legacyDefault(vehicleId: String) -> ChargeRequest {
        ChargeRequest(vehicleId: vehicleId, energyKWh: 20, maxPowerKW: 11)
    }

    public static let energyRange: ClosedRange<Double> = 0...200
    public static let maxPowerRange: ClosedRange<Double> = 0...350
    public static let departureRange: ClosedRange<Double> = 0...2880
}

extension ChargeRequest {
    /// The fields a charge request has.
    static let fieldNames: Set<String> = ["vehicleId", "energyKWh", "maxPowerKW", "departureMinutes"]

    /// Validates a parsed body field by field (CONTRACT section 3), reporting every bad field at
    /// once; `alsoAllowing` names fields a caller reads itself (an order's `id`), which are not
    /// reported as unknown.
    public static func validate(_ json: JSONValue, alsoAllowing others: Set<String> = []) -> Result<ChargeRequest, ValidationFailure> {
        guard case .object(let fields) = json else {
            return .failure(ValidationFailure([FieldError(field: "body", message: "must be a JSON object, got \(json.typeName)")]))
        }
        let vehicleIdValue = fields["vehicleId"]
        let energyValue = fields["energyKWh"]
        let powerValue = fields["maxPowerKW"]
        let departureValue = fields["departureMinutes"]
        // Unknown keys are looked for only when the known ones do not account for every key
        // (in a valid body they do), without hashing every key again.
        var unknownKeys: [String] = []
        let known = [vehicleIdValue, energyValue, powerValue, departureValue].reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        if fields.count > known + others.count(where: { !fieldNames.contains($0) && fields[$0] != nil }) {
            unknownKeys = fields.keys.filter({ !fieldNames.contains($0) && !others.contains($0) }).sorted()
        }
        return validate(
            vehicleId: vehicleIdValue, energyKWh: energyValue, maxPowerKW: powerValue, departureMinutes: departureValue,
            unknownKeys: unknownKeys)
    }

    /// The keys of a plain body (`StrictJSONParser.flatObject`) that carries a charge request: its
    /// four fields first, in the order `validate(plainValues:)` reads them, then `others`.
    public static func plainKeys(adding others: [String]) -> StrictJSONParser.FlatKeys {
        StrictJSONParser.FlatKeys(["vehicleId", "energyKWh", "maxPowerKW", "departureMinutes"] + others)
    }

    /// The checks of `validate(_:alsoAllowing:)` on a plain body's values read with `plainKeys`.
    public static func validate(plainValues values: [JSONValue?]) -> Result<ChargeRequest, ValidationFailure> {
        validate(vehicleId: values[0], energyKWh: values[1], maxPowerKW: values[2], departureMinutes: values[3])
    }

    /// The checks of `validate(_:alsoAllowing:)` on the values of the four fields (nil: absent),
    /// given the body's keys that are not fields, sorted. Errors come in the same order.
    public static func validate(
        vehicleId vehicleIdValue: JSONValue?, energyKWh energyValue: JSONValue?, maxPowerKW powerValue: JSONValue?,
        departureMinutes departureValue: JSONValue?, unknownKeys: [String] = []
    ) -> Result<ChargeRequest, ValidationFailure> {
        var errors: [FieldError] = []
        let vehicleId = validateVehicleId(vehicleIdValue, errors: &errors)
        let energy = validateNumber(energyValue, field: "energyKWh", range: energyRange, errors: &errors)
        let power = validateNumber(powerValue, field: "maxPowerKW", range: maxPowerRange, errors: &errors)
        var departure: Double?
        if let departureValue, departureValue != .null {
            departure = validateNumber(departureValue, field: "departureMinutes", range: departureRange, errors: &errors)
        }
        for key in unknownKeys {
            errors.append(FieldError(field: key, message: "is not a field of a charge request"))
        }
        guard errors.isEmpty, let vehicleId, let energy, let power else {
            return .failure(ValidationFailure(errors))
        }
        return .success(ChargeRequest(vehicleId: vehicleId, energyKWh: energy, maxPowerKW: power, departureMinutes: departure))
    }

    private static func validateVehicleId(_ value: JSONValue?, errors: inout [FieldError]) -> String? {
        guard let value else {
            errors.append(FieldError(field: "vehicleId", message: "is required"))
            return nil
        }
        guard case .string(let id) = value else {
            errors.append(FieldError(field: "vehicleId", message: "must be a string, got \(value.typeName)"))
            return nil
        }
        guard isValidIdentifier(id) else {
            errors.append(FieldError(field: "vehicleId", message: "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'"))
            return nil
        }
        return id
    }

    /// 1-64 characters of `A-Za-z0-9._-`: the shape of vehicle and session ids.
    public static func isValidIdentifier(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }

    /// Ranges are open at the bottom: zero energy or power is not a request.
    private static func validateNumber(
        _ value: JSONValue?, field: String, range: ClosedRange<Double>, errors: inout [FieldError]
    ) -> Double? {
        guard let value else {
            errors.append(FieldError(field: field, message: "is required"))
            return nil
        }
        guard case .number(let number) = value else {
            errors.append(FieldError(field: field, message: "must be a number, got \(value.typeName)"))
            return nil
        }
        guard number.isFinite, number > range.lowerBound, number <= range.upperBound else {
            errors.append(
                FieldError(field: field, message: "must be greater than \(Int(range.lowerBound)) and at most \(Int(range.upperBound))"))
            return nil
        }
        return number
    }
}

/// Why a request body was refused: every bad field, not only the first.
public struct ValidationFailure: Error, Equatable, Sendable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }
}
