/// Cars waiting for a free point, first come, first served: each with its order id, what it
/// asks for and until when it will wait. Pure: the owner supplies the time and keeps it durable.
///
/// A car leaves the line admitted (its order was placed), expired (its wait ran out) or
/// cancelled (the driver left); the line remembers how each ended so a GET can say.
public struct WaitingLine: Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var orderId: String
        public var request: ChargeRequest
        /// Wall-clock seconds since 1970.
        public var enqueuedAt: Double
        public var waitUntil: Double
        /// An attempt to place it was made and its fate is unknown: find it before placing again.
        public var placing: Bool
        /// When that attempt began (wall-clock seconds): it may land until the fate window has passed.
        public var placingSince: Double?

        public init(orderId: String, request: ChargeRequest, enqueuedAt: Double, waitUntil: Double, placing: Bool = false) {
            self.orderId = orderId
            self.request = request
            self.enqueuedAt = enqueuedAt
            self.waitUntil = waitUntil
            self.placing = placing
        }
    }

    public enum Ending: String, Codable, Sendable {
        case admitted, expired, cancelled
    }

    /// Where a car is now.
    public enum Place: Equatable, Sendable {
        /// 1 is next.
        case waiting(position: Int, entry: Entry)
        case ended(Ending, entry: Entry)
    }

    public enum Refusal: Error, Equatable, Sendable {
        case full(capacity: Int)
    }

    public let capacity: Int
    /// Ended cars stay readable until this many newer ones have ended.
    public let endedLimit: Int
    private var waiting: [Entry] = []
    private var ended: [String: (Ending, Entry)] = [:]
    private var endedOrder: [String] = []

    public init(capacity: Int, endedLimit: Int = 20_000) {
        self.capacity = capacity
        self.endedLimit = endedLimit
    }

    public var count: Int { waiting.count }
    public var head: Entry? { waiting.first }
    public var entries: [Entry] { waiting }

    /// Joins the end of the line; the car's position (1 is next). An order id already in the line
    /// keeps its place.
    public mutating func enqueue(_ entry: Entry) throws(Refusal) -> Int {
        if let index = waiting.firstIndex(where: { $0.orderId == entry.orderId }) { return index + 1 }
        guard waiting.count < capacity else { throw .full(capacity: capacity) }
        waiting.append(entry)
        return waiting.count
    }

    public func place(of orderId: String) -> Place? {
        if let index = waiting.firstIndex(where: { $0.orderId == orderId }) {
            return .waiting(position: index + 1, entry: waiting[index])
        }
        return ended[orderId].map { .ended($0.0, entry: $0.1) }
    }

    public mutating func markPlacing(_ orderId: String, at time: Double) {
        if let index = waiting.firstIndex(where: { $0.orderId == orderId }) {
            waiting[index].placing = true
            waiting[index].placingSince = time
        }
    }

    /// The attempt ended without booking anything (no room): nothing to look for next time.
    public mutating func clearPlacing(_ orderId: String) {
        if let index = waiting.firstIndex(where: { $0.orderId == orderId }) {
            waiting[index].placing = false
            waiting[index].placingSince = nil
        }
    }

    /// Takes the car out of the line as `ending`; nil if it was not waiting (already gone).
    @discardableResult
    public mutating func end(_ orderId: String, as ending: Ending) -> Entry? {
        guard let index = waiting.firstIndex(where: { $0.orderId == orderId }) else { return nil }
        let entry = waiting.remove(at: index)
        remember(entry, ending)
        return entry
    }

    /// The cars whose wait has run out by `now`, taken out of the line as expired.
    public mutating func expire(now: Double) -> [Entry] {
        let due = waiting.filter { $0.waitUntil <= now }
        for entry in due { end(entry.orderId, as: .expired) }
        return due
    }

    /// Puts back what a store kept, in the order the cars joined.
    public mutating func restore(waiting restored: [Entry], ended restoredEnded: [(Ending, Entry)]) {
        waiting = restored.sorted { $0.enqueuedAt < $1.enqueuedAt }
        for (ending, entry) in restoredEnded { remember(entry, ending) }
    }

    private mutating func remember(_ entry: Entry, _ ending: Ending) {
        guard endedLimit > 0 else { return }
        if ended[entry.orderId] == nil { endedOrder.append(entry.orderId) }
        ended[entry.orderId] = (ending, entry)
        if endedOrder.count > endedLimit { ended[endedOrder.removeFirst()] = nil }
    }
}
