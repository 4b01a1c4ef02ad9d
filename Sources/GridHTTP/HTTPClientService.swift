import AsyncHTTPClient
import NIOCore
import ServiceLifecycle

/// Owns a process's HTTP clients (async-http-client, and keep-alive links for plain HTTP between
/// services) and shuts them down after the servers that use them.
public struct HTTPClientService: Service {
    public let client: HTTPClient
    public let keepAlive: KeepAliveClient

    public init(client: HTTPClient, keepAlive: KeepAliveClient = KeepAliveClient()) {
        self.client = client
        self.keepAlive = keepAlive
    }

    /// A keep-alive pool sized for bursts, failing fast on refused connections so the balancer
    /// can try another substation at once instead of retrying a dead one until the deadline.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(1), read: .seconds(10))
        configuration.httpVersion = .http1Only
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func run() async throws {
        try? await gracefulShutdown()
        keepAlive.shutdown()
        try await client.shutdown()
    }
}
