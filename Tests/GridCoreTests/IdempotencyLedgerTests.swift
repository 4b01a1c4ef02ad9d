import GridCore
import Testing

@Suite struct IdempotencyLedgerTests {
    /// Fresh order ids, numbered, so a test can tell whether a retry got a new one.
    struct Ids {
        var next = 0
        mutating func make() -> String {
            next += 1
            return "order-\(next)"
        }
    }

    @Test func aRetryReplaysAndAnotherBodyConflicts() {
        var ledger = IdempotencyLedger<String>()
        var ids = Ids()
        #expect(ledger.check(key: "k", fingerprint: "a", now: 0, newOrderId: { ids.make() }) == .proceed(orderId: "order-1"))
        #expect(ledger.check(key: "k", fingerprint: "a", now: 1, newOrderId: { ids.make() }) == .inProgress)
        #expect(ledger.check(key: "k", fingerprint: "b", now: 1, newOrderId: { ids.make() }) == .conflict)
        ledger.record(key: "k", fingerprint: "a", answer: "201 id-1", now: 2)
        guard case .replay(let answer) = ledger.check(key: "k", fingerprint: "a", now: 3, newOrderId: { ids.make() }) else {
            Issue.record("replay")
            return
        }
        #expect(answer == "201 id-1")
        #expect(ledger.check(key: "k", fingerprint: "b", now: 4, newOrderId: { ids.make() }) == .conflict)
    }

    /// A lost answer keeps the key's order id: a retry resolves that order, never a second one,
    /// and not before the first attempt's order could still land.
    @Test func anUnknownFateKeepsTheOrderIdForTheRetry() {
        var ledger = IdempotencyLedger<String>(fateWindowSeconds: 6)
        var ids = Ids()
        #expect(ledger.check(key: "k", fingerprint: "a", now: 100, newOrderId: { ids.make() }) == .proceed(orderId: "order-1"))
        ledger.markUnresolved(key: "k")
        #expect(ledger.check(key: "k", fingerprint: "a", now: 103, newOrderId: { ids.make() }) == .inProgress, "may still land")
        #expect(ledger.check(key: "k", fingerprint: "b", now: 103, newOrderId: { ids.make() }) == .conflict)
        #expect(ledger.check(key: "k", fingerprint: "a", now: 106, newOrderId: { ids.make() }) == .resolve(orderId: "order-1"))
        #expect(ledger.check(key: "k", fingerprint: "a", now: 107, newOrderId: { ids.make() }) == .inProgress, "being resolved")
        ledger.markUnresolved(key: "k")
        #expect(ledger.check(key: "k", fingerprint: "a", now: 120, newOrderId: { ids.make() }) == .resolve(orderId: "order-1"))
        #expect(ids.next == 1, "no second order id was ever handed out")
    }

    /// After a restart, an order bound before the crash is resolved, not placed anew.
    @Test func aRestoredOrderIsResolved() {
        var ledger = IdempotencyLedger<String>(fateWindowSeconds: 6)
        ledger.restore(BoundOrder(key: "k", fingerprint: "a", orderId: "before-crash", since: 50))
        #expect(ledger.boundOrder(key: "k")?.orderId == "before-crash")
        #expect(ledger.check(key: "k", fingerprint: "a", now: 60, newOrderId: { "new" }) == .resolve(orderId: "before-crash"))
    }

    @Test func keysExpireAndAbandonedKeysCanBeReused() {
        var ledger = IdempotencyLedger<String>(lifetimeSeconds: 10)
        _ = ledger.check(key: "k", fingerprint: "a", now: 0, newOrderId: { "1" })
        ledger.record(key: "k", fingerprint: "a", answer: "x", now: 0)
        #expect(ledger.check(key: "k", fingerprint: "b", now: 11, newOrderId: { "2" }) == .proceed(orderId: "2"), "expired key is new")
        ledger.abandon(key: "k")
        #expect(ledger.check(key: "k", fingerprint: "c", now: 12, newOrderId: { "3" }) == .proceed(orderId: "3"), "abandoned key is new")
    }

    @Test func staysBounded() {
        var ledger = IdempotencyLedger<Int>(capacity: 100)
        for index in 0..<1_000 {
            _ = ledger.check(key: "k\(index)", fingerprint: "f", now: Double(index), newOrderId: { "o\(index)" })
            ledger.record(key: "k\(index)", fingerprint: "f", answer: index, now: Double(index))
        }
        #expect(ledger.count <= 101)
    }
}
