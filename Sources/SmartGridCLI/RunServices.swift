import Logging
import ServiceLifecycle

/// Runs services in one group until SIGTERM or SIGINT, then shuts them down in reverse order
/// (so an HTTP client listed first outlives the servers that use it).
/// `closing` runs once the services have stopped, however they stopped (databases close there).
func runServices(_ services: [any Service], logger: Logger, closing: () async -> Void = {}) async throws {
    let group = ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    do {
        try await group.run()
    } catch {
        await closing()
        throw error
    }
    await closing()
}
