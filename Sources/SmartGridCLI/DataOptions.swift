import ArgumentParser

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
