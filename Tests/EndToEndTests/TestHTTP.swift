import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A plain HTTP client for tests: every call has a deadline, answers come back whole.
struct TestHTTP: Sendable {
    let client: HTTPClient

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var contentType: String? { headers.first(name: "Content-Type") }
    }

    static func withClient<T>(_ body: (TestHTTP) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(TestHTTP(client: client))
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func send(
        _ method: HTTPMethod, _ url: String, body: Data? = nil, contentType: String? = "application/json", headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(15))
        let data = try await response.body.collect(upTo: 8 * 1024 * 1024)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(data.readableBytesView))
    }

    func get(_ url: String) async throws -> Answer { try await send(.GET, url) }

    func postJSON(_ url: String, _ object: [String: Any]) async throws -> Answer {
        try await send(.POST, url, body: try JSONSerialization.data(withJSONObject: object))
    }

    /// Polls `condition` every 50 ms until it holds, failing after `limit`; an error thrown by
    /// the condition counts as "not yet". For conditions a service reaches by itself (a scrape,
    /// a restart); never a stand-in for readiness.
    static func eventually(
        within limit: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool
    ) async throws -> Duration {
        let start = ContinuousClock.now
        var lastError: (any Error)?
        while ContinuousClock.now - start < limit {
            do {
                if try await condition() { return ContinuousClock.now - start }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ConditionNotMet(description: "\(what) did not happen within \(limit)\(lastError.map { " (last error: \($0))" } ?? "")")
    }

    struct ConditionNotMet: Error, CustomStringConvertible {
        var description: String
    }
}
