import GridCore
import GridHTTP

/// Everything `smartgrid substation` is told on its command line.
public struct SubstationConfiguration: Sendable {
    public var server: ServerSettings
    public var spec: SubstationSpec
    /// Mean non-EV demand as a fraction of capacity; 0 turns base load off.
    public var baseLoadFraction: Double
    /// Simulated seconds per real second.
    public var timeScale: Double
    public var seed: UInt64
    /// How the substation shares its power among sessions.
    public var allocation: PowerAllocation
    /// Real charge points over OCPP (`--ocpp`); nil for a purely simulated substation.
    public var ocpp: OCPPConfiguration?

    public init(
        server: ServerSettings = ServerSettings(port: 7101),
        spec: SubstationSpec = SubstationSpec(id: "S1", capacityKW: 400, chargingPoints: 20, pointMaxKW: 50),
        baseLoadFraction: Double = 0.3, timeScale: Double = 60, seed: UInt64 = 1, allocation: PowerAllocation = .best,
        ocpp: OCPPConfiguration? = nil
    ) {
        self.allocation = allocation
        self.ocpp = ocpp
        self.server = server
        self.spec = spec
        self.baseLoadFraction = baseLoadFraction
        self.timeScale = timeScale
        self.seed = seed
    }
}
