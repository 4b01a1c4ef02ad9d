/// A charge request from a driver who will wait for a free point: how long, beside what to charge.
public struct WaitRequest: Equatable, Sendable {
    public var charge: ChargeRequest
    /// 0 (absent): no waiting, today's 503 when nothing can admit now.
    public var maxWaitMinutes: Int

    public static let maxWaitRange = 0...1440

    enum CodingKeys: String, CodingKey { case maxWaitMinutes }

    public init(charge: ChargeRequest, maxWaitMinutes: Int = 0) {
        self.charge = charge
        self.maxWaitMinutes = maxWaitMinutes
    }

    private static let waitField: Set<String> = ["maxWaitMinutes"]

    /// Validates a charge request body that may carry `maxWaitMinutes` (an integer, 0 to 1440),
    /// reporting every bad field at once.
    public static func validate(_ json: JSONValue) -> Result<WaitRequest, ValidationFailure> {
        guard case .object(let fields) = json else { return ChargeRequest.validate(json).map { WaitRequest(charge: $0) } }
        return validate(maxWaitMinutes: fields["maxWaitMinutes"], charge: ChargeRequest.validate(json, alsoAllowing: Self.waitField))
    }

    /// A body's keys, for reading a plain body without a tree.
    private static let plainKeys = ChargeRequest.plainKeys(adding: ["maxWaitMinutes"])

    /// Validates a body read straight from its bytes, as `validate(_:)` does the parsed body,
    /// when it has the plain shape (`StrictJSONParser.flatObject`); nil for any other body, which
    /// the caller parses and validates whole.
    public static func validate(plain bytes: UnsafeRawBufferPointer) -> Result<WaitRequest, ValidationFailure>? {
        guard let values = StrictJSONParser.flatObject(bytes, keys: plainKeys) else { return nil }
        return validate(maxWaitMinutes: values[4], charge: ChargeRequest.validate(plainValues: values))
    }

    private static func validate(
        maxWaitMinutes value: JSONValue?, charge: Result<ChargeRequest, ValidationFailure>
    ) -> Result<WaitRequest, ValidationFailure> {
        var errors: [FieldError] = []
        var wait = 0
        if let value, value != .null {
            if case .number(let number) = value, number.isFinite, number.rounded() == number,
                Double(maxWaitRange.lowerBound) <= number, number <= Double(maxWaitRange.upperBound)
            {
                wait = Int(number)
            } else {
                errors.append(FieldError(field: "maxWaitMinutes", message: "must be a whole number of minutes from 0 to 1440"))
            }
        }
        switch charge {
        case .success(let charge) where errors.isEmpty: return .success(WaitRequest(charge: charge, maxWaitMinutes: wait))
        case .success: return .failure(ValidationFailure(errors))
        case .failure(let failure): return .failure(ValidationFailure(failure.errors + errors))
        }
    }
}
