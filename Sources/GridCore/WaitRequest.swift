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
        var errors: [FieldError] = []
        var wait = 0
        if let value = fields["maxWaitMinutes"], value != .null {
            if case .number(let number) = value, number.isFinite, number.rounded() == number,
                Double(maxWaitRange.lowerBound) <= number, number <= Double(maxWaitRange.upperBound)
            {
                wait = Int(number)
            } else {
                errors.append(FieldError(field: "maxWaitMinutes", message: "must be a whole number of minutes from 0 to 1440"))
            }
        }
        switch ChargeRequest.validate(json, alsoAllowing: Self.waitField) {
        case .success(let charge) where errors.isEmpty: return .success(WaitRequest(charge: charge, maxWaitMinutes: wait))
        case .success: return .failure(ValidationFailure(errors))
        case .failure(let failure): return .failure(ValidationFailure(failure.errors + errors))
        }
    }
}
