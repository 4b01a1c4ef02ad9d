import Gateway
import GridCore
import GridHTTP
import Logging
import ServiceLifecycle
import Substation

/// The gateway's storage: shared in PostgreSQL (`--database`), durable in `folder` (SQLite), or
/// in memory when there is neither.
struct GatewayStorage {
    var database: GatewayDatabase?
    var directory: any SessionDirectory
    var restoredAnswers: [ArchivedAnswer]
    var restoredOrders: [BoundOrder]
    var restoredWaitingLine: (waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)]) = ([], [])
    var archive: (any IdempotencyArchive)?
    var waitingListStore: (any WaitingListStore)?
    /// Services the storage needs running (the PostgreSQL pool), listed before the servers.
    var services: [any Service] = []

    static func open(folder: String?, database url: DatabaseURL?, logger: Logger, now: Double) async throws -> GatewayStorage {
        if let url {
            // The database is the authority: nothing is restored into the process.
            let shared = try await PostgresGatewayDatabase.open(url, logger: logger)
            return GatewayStorage(
                database: nil, directory: shared, restoredAnswers: [], restoredOrders: [], archive: shared, waitingListStore: shared,
                services: [shared.client])
        }
        guard let folder else {
            return GatewayStorage(database: nil, directory: InMemorySessionDirectory(), restoredAnswers: [], restoredOrders: [])
        }
        let database = try await GatewayDatabase.open(folder: folder)
        do {
            let answers = try await database.answers(since: now - 24 * 3600)
            let orders = try await database.boundOrders(since: now - 24 * 3600)
            let line = try await database.waitingLine(endedLimit: 20_000)
            return GatewayStorage(
                database: database, directory: database, restoredAnswers: answers, restoredOrders: orders, restoredWaitingLine: line,
                archive: database, waitingListStore: database)
        } catch {
            try? await database.close()
            throw error
        }
    }

    func close() async {
        try? await database?.close()
    }
}

/// A substation's services: with a data folder, journaled and resumed from what the journal kept.
struct SubstationRun {
    var services: [any Service]
    var journal: SubstationJournal?

    static func make(
        _ configuration: SubstationConfiguration, folder: String?, onListening: @escaping ListeningHandler
    ) async throws -> SubstationRun {
        guard let folder else {
            return SubstationRun(services: [buildSubstationApplication(configuration, onListening: onListening)], journal: nil)
        }
        let journal = try await SubstationJournal.open(folder: folder, substationId: configuration.spec.id)
        let restored = try await journal.restore(endedLimit: SubstationModel.defaultEndedHistoryLimit)
        return SubstationRun(
            services: buildSubstationServices(configuration, journal: journal, restored: restored, onListening: onListening),
            journal: journal)
    }

    func close() async {
        try? await journal?.close()
    }
}
