import ArgumentParser
import Foundation
import GridCore
import GridHTTP
import ServiceLifecycle
import Substation

struct SubstationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "substation", abstract: "Run one simulated substation.")

    @OptionGroup var server: ServerOptions
    @OptionGroup var data: DataOptions

    @Option(help: "Substation id, as it appears in metrics and answers.")
    var id = "S1"

    @Flag(help: "Take the id from this machine's hostname (one per container or pod replica).")
    var idFromHostname = false

    @Option(help: "Transformer capacity in kW.")
    var capacityKw: Double = 400

    @Option(help: "Number of charging points.")
    var chargingPoints = 20

    @Option(help: "Most power one charging point delivers, in kW.")
    var pointMaxKw: Double = 50

    @Option(help: "Mean non-EV demand as a fraction of capacity (0 turns it off).")
    var baseLoad: Double = 0.3

    @Option(help: "Simulated seconds per real second.")
    var timeScale: Double = 60

    @Option(help: "Seed for the base-load noise.")
    var seed: UInt64 = 1

    @Option(help: "How power is shared among sessions: water-filling, edf, llf or receding-horizon.")
    var allocation: PowerAllocation = .best

    /// The id in force: the hostname with --id-from-hostname, else --id.
    var substationId: String {
        idFromHostname ? ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? id : id
    }

    func validate() throws {
        guard ChargeRequest.isValidIdentifier(substationId) else { throw ValidationError("--id must be 1-64 characters of A-Za-z0-9._-") }
        guard capacityKw > 0, capacityKw.isFinite else { throw ValidationError("--capacity-kw must be above 0") }
        guard chargingPoints > 0 else { throw ValidationError("--charging-points must be at least 1") }
        guard pointMaxKw > 0, pointMaxKw.isFinite else { throw ValidationError("--point-max-kw must be above 0") }
        guard (0..<BaseLoadCurve.ceilingFraction).contains(baseLoad) else {
            throw ValidationError("--base-load must be at least 0 and below \(BaseLoadCurve.ceilingFraction)")
        }
        guard timeScale > 0, timeScale.isFinite else { throw ValidationError("--time-scale must be above 0") }
    }

    var substationConfiguration: SubstationConfiguration {
        SubstationConfiguration(
            server: server.settings(defaultPort: 7101),
            spec: SubstationSpec(id: substationId, capacityKW: capacityKw, chargingPoints: chargingPoints, pointMaxKW: pointMaxKw),
            baseLoadFraction: baseLoad, timeScale: timeScale, seed: seed, allocation: allocation)
    }

    func run() async throws {
        let configuration = substationConfiguration
        let substation = try await SubstationRun.make(
            configuration, folder: data.folder, onListening: announce("substation \(substationId)"))
        try await runServices(substation.services, logger: configuration.server.logger("smartgrid")) { await substation.close() }
    }
}
