/// How a substation manages its charge points; every figure has a default a user can override.
public struct OCPPSettings: Sendable {
    /// A transaction's limit is re-sent when its allocation rises by more than this (kW); any
    /// fall beyond `decreaseResendKW` is sent at once, so the limits never add up past the transformer.
    public var profileThresholdKW: Double
    public var decreaseResendKW: Double
    /// A meter reading older than this (seconds) is stale: the transaction counts at its full
    /// allocation and the charger is asked for a reading.
    public var meterStaleAfterSeconds: Double
    /// A charger whose link dropped keeps its transactions counted this long (seconds), then they end.
    public var offlineTimeoutSeconds: Double
    /// A reservation made for a booking lasts this long (seconds) without a transaction starting.
    public var reservationTimeoutSeconds: Double
    /// How long a booking waits for the charger to accept its reservation (seconds).
    public var reservationAnswerSeconds: Double
    public var heartbeatIntervalSeconds: Int
    /// A charger drawing more than its limit times (1 + this), plus `overdrawMarginKW`, overdraws.
    public var overdrawTolerance: Double
    public var overdrawMarginKW: Double
    /// After its limit falls, a charger has this long (seconds) to come down before drawing more
    /// than the new limit counts as an overdraw (readings taken before it heard of the cut).
    public var overdrawGraceSeconds: Double
    /// Id tags accepted by Authorize and at transaction start; nil accepts every tag.
    public var authorizedTags: Set<String>?

    public init(
        profileThresholdKW: Double = 0.5, decreaseResendKW: Double = 0.05, meterStaleAfterSeconds: Double = 60,
        offlineTimeoutSeconds: Double = 300, reservationTimeoutSeconds: Double = 900, reservationAnswerSeconds: Double = 10,
        heartbeatIntervalSeconds: Int = 300, overdrawTolerance: Double = 0.1, overdrawMarginKW: Double = 0.2,
        overdrawGraceSeconds: Double = 5, authorizedTags: Set<String>? = nil
    ) {
        self.profileThresholdKW = profileThresholdKW
        self.decreaseResendKW = decreaseResendKW
        self.meterStaleAfterSeconds = meterStaleAfterSeconds
        self.offlineTimeoutSeconds = offlineTimeoutSeconds
        self.reservationTimeoutSeconds = reservationTimeoutSeconds
        self.reservationAnswerSeconds = reservationAnswerSeconds
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.overdrawTolerance = overdrawTolerance
        self.overdrawMarginKW = overdrawMarginKW
        self.overdrawGraceSeconds = overdrawGraceSeconds
        self.authorizedTags = authorizedTags
    }

    func accepts(tag: String) -> Bool {
        authorizedTags?.contains(tag) ?? true
    }
}
