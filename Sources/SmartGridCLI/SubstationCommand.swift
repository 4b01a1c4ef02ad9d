import ArgumentParser
import Foundation
import GridCore
import GridHTTP
import OCPPCore
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

    @Option(help: "Simulated seconds per real second (default 60; 1 with --ocpp, where real cars charge in real time).")
    var timeScale: Double?

    @Option(help: "Seed for the base-load noise.")
    var seed: UInt64 = 1

    @Option(help: "How power is shared among sessions: water-filling, edf, llf or receding-horizon.")
    var allocation: PowerAllocation = .best

    @Flag(help: "Manage real charge points: OCPP 1.6J and 2.0.1 at ws://HOST:PORT/ocpp/{chargePointId}.")
    var ocpp = false

    @Option(help: "File of chargePointId:password lines (OCPP security profile 1); without it only loopback charge points may connect.")
    var ocppCredentials: String?

    @Option(help: "An id tag that Authorize and transactions accept (repeatable); without any, every tag is accepted.")
    var ocppIdTag: [String] = []

    @Option(help: "Re-send a transaction's limit when its allocation rises by more than this many kW (falls go out at once).")
    var ocppProfileThresholdKw: Double = 0.5

    @Option(help: "Seconds after which a meter reading is stale: the transaction counts at full allocation and a reading is asked for.")
    var ocppMeterStaleAfter: Double = 60

    @Option(help: "Seconds a charger's transactions stay counted after its link drops.")
    var ocppOfflineTimeout: Double = 300

    @Option(help: "Seconds a connector stays reserved for a booking before the car starts charging.")
    var ocppReservationTimeout: Double = 900

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
        guard effectiveTimeScale > 0, effectiveTimeScale.isFinite else { throw ValidationError("--time-scale must be above 0") }
        for (name, value) in [
            ("--ocpp-profile-threshold-kw", ocppProfileThresholdKw), ("--ocpp-meter-stale-after", ocppMeterStaleAfter),
            ("--ocpp-offline-timeout", ocppOfflineTimeout), ("--ocpp-reservation-timeout", ocppReservationTimeout),
        ] {
            guard value > 0, value.isFinite else { throw ValidationError("\(name) must be above 0") }
        }
        if !ocpp, ocppCredentials != nil || !ocppIdTag.isEmpty { throw ValidationError("--ocpp-credentials and --ocpp-id-tag need --ocpp") }
    }

    var substationConfiguration: SubstationConfiguration {
        SubstationConfiguration(
            server: server.settings(defaultPort: 7101),
            spec: SubstationSpec(id: substationId, capacityKW: capacityKw, chargingPoints: chargingPoints, pointMaxKW: pointMaxKw),
            baseLoadFraction: baseLoad, timeScale: effectiveTimeScale, seed: seed, allocation: allocation)
    }

    var effectiveTimeScale: Double { timeScale ?? (ocpp ? 1 : 60) }

    /// The charge point settings, with the credentials file read.
    func ocppConfiguration() throws -> OCPPConfiguration? {
        guard ocpp else { return nil }
        var credentials: ChargerCredentials?
        if let path = ocppCredentials {
            do {
                credentials = try ChargerCredentials(fileText: try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw ValidationError("--ocpp-credentials \(path): \(error)")
            }
        }
        let settings = OCPPSettings(
            profileThresholdKW: ocppProfileThresholdKw, meterStaleAfterSeconds: ocppMeterStaleAfter,
            offlineTimeoutSeconds: ocppOfflineTimeout, reservationTimeoutSeconds: ocppReservationTimeout,
            authorizedTags: ocppIdTag.isEmpty ? nil : Set(ocppIdTag))
        return OCPPConfiguration(settings: settings, credentials: credentials)
    }

    func run() async throws {
        var configuration = substationConfiguration
        configuration.ocpp = try ocppConfiguration()
        // Charge points report their transactions again when they reconnect: an OCPP substation
        // journals nothing, so a restart cannot bring back sessions no charger runs any more.
        let substation = try await SubstationRun.make(
            configuration, folder: configuration.ocpp == nil ? data.folder : nil, onListening: announce("substation \(substationId)"))
        try await runServices(substation.services, logger: configuration.server.logger("smartgrid")) { await substation.close() }
    }
}
