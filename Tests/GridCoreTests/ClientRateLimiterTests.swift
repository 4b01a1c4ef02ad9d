import GridCore
import Testing

@Suite struct ClientRateLimiterTests {
    @Test func aBurstPassesThenTheClientWaitsForTokens() {
        var limiter = ClientRateLimiter(ratePerSecond: 2, burst: 4)
        let first = (0..<4).map { _ in limiter.admit("10.0.0.1", now: 0) }
        #expect(first.allSatisfy { $0 == .allowed })
        #expect(limiter.admit("10.0.0.1", now: 0) == .limited(retryAfterSeconds: 0.5))
        #expect(limiter.admit("10.0.0.1", now: 0.25) == .limited(retryAfterSeconds: 0.25))
        #expect(limiter.admit("10.0.0.1", now: 0.5) == .allowed)
        #expect(limiter.admit("10.0.0.1", now: 0.5) != .allowed)
    }

    @Test func clientsHaveTheirOwnBuckets() {
        var limiter = ClientRateLimiter(ratePerSecond: 1)
        #expect(limiter.admit("a", now: 0) == .allowed)
        #expect(limiter.admit("a", now: 0) != .allowed)
        #expect(limiter.admit("b", now: 0) == .allowed)
    }

    @Test func aSteadyClientAtTheRateIsNeverLimited() {
        var limiter = ClientRateLimiter(ratePerSecond: 10)
        let verdicts = (0..<1_000).map { limiter.admit("a", now: Double($0) / 10) }
        #expect(verdicts.allSatisfy { $0 == .allowed })
    }

    @Test func memoryStaysBoundedUnderManyClients() {
        var limiter = ClientRateLimiter(ratePerSecond: 1, maximumClients: 100)
        for client in 0..<10_000 { _ = limiter.admit("client-\(client)", now: Double(client) / 1_000) }
        #expect(limiter.clientCount <= 100)
    }
}
