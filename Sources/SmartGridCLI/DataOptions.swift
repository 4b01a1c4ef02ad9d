import ArgumentParser
import Gateway

/// Where a service keeps what must survive a crash.
struct DataOptions: ParsableArguments {
    @Option(help: "Folder for the SQLite databases that survive restarts ('none': keep nothing).")
    var dataDir = "smartgrid-data"

    /// Nil when told to keep nothing.
    var folder: String? { dataDir == "none" ? nil : dataDir }

    func validate() throws {
        if dataDir.isEmpty { throw ValidationError("--data-dir must name a folder, or be 'none'") }
    }
}

/// The gateway's storage: durable in `folder`, or in memory when there is none.
struct GatewayStorage {
    var database: GatewayDatabase?
    var directory: any SessionDirectory
    var restoredAnswers: [ArchivedAnswer]

    static func open(folder: String?, now: Double) async throws -> GatewayStorage {
        guard let folder else { return GatewayStorage(database: nil, directory: InMemorySessionDirectory(), restoredAnswers: []) }
        let database = try await GatewayDatabase.open(folder: folder)
        let answers = try await database.answers(since: now - 24 * 3600)
        return GatewayStorage(database: database, directory: database, restoredAnswers: answers)
    }

    func close() async {
        try? await database?.close()
    }
}
