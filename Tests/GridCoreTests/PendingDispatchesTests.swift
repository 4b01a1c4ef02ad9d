import Testing

@testable import GridCore

/// A substation's pending dispatches: the running sum of their power matches adding them up,
/// and confirming marks the right one.
@Suite struct PendingDispatchesTests {
    typealias Dispatch = LoadView.PendingDispatch

    static func dispatch(_ number: UInt64, _ powerKW: Double) -> Dispatch {
        Dispatch(ticket: LoadView.DispatchTicket(substation: 0, number: number), powerKW: powerKW, confirmedAt: nil)
    }

    @Test func theSumIsTheDispatchesAddedUpInOrder() {
        var generator = SeededGenerator(seed: 7)
        var pending = LoadView.PendingDispatches()
        for number in 1...500 {
            pending.append(Self.dispatch(UInt64(number), Double.random(in: 0.1...22, using: &generator)))
            if number % 97 == 0 { pending.removeAll { $0.ticket.number % 3 == 0 } }
            #expect(pending.powerKW == pending.dispatches.reduce(0) { $0 + $1.powerKW })
        }
        #expect(pending.count == pending.dispatches.count)
        pending.removeAll { _ in true }
        #expect(pending.powerKW == 0 && pending.isEmpty)
    }

    @Test func theInFlightCountIsTheUnansweredDispatches() {
        var generator = SeededGenerator(seed: 8)
        var pending = LoadView.PendingDispatches()
        for number in 1...400 {
            pending.append(Self.dispatch(UInt64(number), 11))
            if Bool.random(using: &generator) {
                pending.confirm(
                    LoadView.DispatchTicket(substation: 0, number: UInt64(Int.random(in: 1...number, using: &generator))), at: 1)
            }
            if number % 53 == 0 { pending.removeAll { $0.confirmedAt != nil || $0.ticket.number % 5 == 0 } }
            #expect(pending.inFlight == pending.dispatches.count(where: { $0.confirmedAt == nil }))
        }
        #expect(pending.inFlight > 0)
    }

    @Test func confirmingMarksOnlyItsDispatch() {
        var pending = LoadView.PendingDispatches()
        for number in 1...5 { pending.append(Self.dispatch(UInt64(number), 11)) }
        pending.confirm(LoadView.DispatchTicket(substation: 0, number: 2), at: 42)
        pending.confirm(LoadView.DispatchTicket(substation: 0, number: 99), at: 43)  // not pending: nothing changes
        #expect(pending.dispatches.map(\.confirmedAt) == [nil, 42, nil, nil, nil])
        #expect(pending.inFlight == 4)
        #expect(pending.powerKW == 55)
    }
}
