import Logging
import ServiceLifecycle

/// Runs services in one group until SIGTERM or SIGINT, then shuts them down in reverse order
/// (so an HTTP client listed first outlives the servers that use it).
func runServices(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}
