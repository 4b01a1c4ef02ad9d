import Testing

@testable import GridHTTP

/// The slot between a connection's lane and its answering task.
@Suite struct LaneMailboxTests {
    @Test func anItemDeliveredFirstIsTakenAtOnce() async {
        let mailbox = LaneMailbox<Int>()
        mailbox.deliver(1)
        let next = await withUnsafeContinuation { mailbox.take(into: $0) }
        #expect(next == 1)
    }

    /// On the main actor, as the lane and its task share one event loop.
    @MainActor @Test func aWaitingTaskIsWokenByTheNextItemAndThenByTheClose() async {
        let mailbox = LaneMailbox<Int>()
        var taken: [Int?] = []
        let task = Task { @MainActor in
            taken.append(await withUnsafeContinuation { mailbox.take(into: $0) })
            taken.append(await withUnsafeContinuation { mailbox.take(into: $0) })
        }
        for _ in 0..<10 { await Task.yield() }
        #expect(taken.isEmpty, "nothing was delivered yet")
        mailbox.deliver(2)
        for _ in 0..<1000 where taken.isEmpty { await Task.yield() }
        #expect(taken == [2])
        mailbox.close()
        await task.value
        #expect(taken == [2, nil])
        #expect(mailbox.isClosed)
    }

    @Test func anItemDeliveredBeforeTheCloseIsStillTaken() async {
        let mailbox = LaneMailbox<Int>()
        mailbox.deliver(3)
        mailbox.close()
        #expect(await withUnsafeContinuation { mailbox.take(into: $0) } == 3)
        #expect(await withUnsafeContinuation { mailbox.take(into: $0) } == nil)
    }
}
