import GridCore
import Testing

@Suite struct RetryBudgetTests {
    @Test func aQuietGridCanRetryUpToTheFloor() {
        var budget = RetryBudget(ratio: 0.2, minimumRetries: 3)
        budget.recordRequest(at: 0)
        #expect((0..<5).map { _ in budget.spendRetry(at: 0.5) } == [true, true, true, false, false])
    }

    @Test func aBusyGridRetriesAtMostTheRatioOfRecentRequests() {
        var budget = RetryBudget(ratio: 0.2, minimumRetries: 3)
        for step in 0..<100 { budget.recordRequest(at: Double(step) / 100) }
        var granted = 0
        for _ in 0..<100 where budget.spendRetry(at: 1) { granted += 1 }
        #expect(granted == 20)
    }

    @Test func oldRequestsAndRetriesLeaveTheWindow() {
        var budget = RetryBudget(ratio: 0.5, minimumRetries: 0, windowSeconds: 10)
        for _ in 0..<10 { budget.recordRequest(at: 0) }
        #expect((0..<6).filter { _ in budget.spendRetry(at: 1) }.count == 5)
        #expect(budget.recent(at: 9.5) == (requests: 10, retries: 5))
        #expect(budget.recent(at: 10.5) == (requests: 0, retries: 5), "the requests of second 0 have left the window")
        #expect(budget.recent(at: 11.5) == (requests: 0, retries: 0), "a window later both are gone")
        #expect(!budget.allowsRetry(at: 11.5), "no floor, no requests: no retries")
        budget.recordRequest(at: 11.5)
        budget.recordRequest(at: 11.6)
        let earned = budget.spendRetry(at: 11.7)
        let beyond = budget.spendRetry(at: 11.8)
        #expect(earned && !beyond, "two requests at 50% earn one retry")
    }
}
