import OCPPCore

/// What `smartgrid substation --ocpp` is told about its charge points.
public struct OCPPConfiguration: Sendable {
    public var settings: OCPPSettings
    /// Per-charger passwords (security profile 1); nil lets in only charge points on this machine.
    public var credentials: ChargerCredentials?

    public init(settings: OCPPSettings = OCPPSettings(), credentials: ChargerCredentials? = nil) {
        self.settings = settings
        self.credentials = credentials
    }
}
