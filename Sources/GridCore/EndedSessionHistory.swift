/// The sessions that ended most recently, readable by id: the newest `limit` of them, the oldest
/// forgotten first.
///
/// Compact, for a substation that ends thousands of sessions a second: the sessions sit in one
/// ring in the order they ended, and an open-addressing table of 32-bit ring positions finds one
/// by its id. Each id is stored once (in its session), nothing is allocated per session, and the
/// ring never holds more than `limit` sessions, so memory stays flat however many end.
public struct EndedSessionHistory: Sendable {
    public let limit: Int
    /// In the order they ended; once `limit` are held, the newest overwrites the oldest.
    private var ring: [ChargingSession] = []
    /// Ring position of the oldest session (0 until the ring is full).
    private var oldest = 0
    /// Ring positions by hash of the id (linear probing); `empty` where none. Twice the limit
    /// (a power of two), so probes stay short.
    private var slots: [Int32]
    private let mask: Int
    private static let empty: Int32 = -1

    public init(limit: Int) {
        precondition(limit >= 0 && limit < Int(Int32.max), "a history of 0 to 2^31 sessions")
        self.limit = limit
        let tableSize = limit == 0 ? 1 : 1 << (Int.bitWidth - (2 * limit - 1).leadingZeroBitCount)
        slots = Array(repeating: Self.empty, count: tableSize)
        mask = tableSize - 1
    }

    public var count: Int { ring.count }

    public subscript(id: String) -> ChargingSession? {
        slot(of: id).map { ring[Int(slots[$0])] }
    }

    /// Keeps `session` (ended), forgetting the oldest when `limit` are kept already; a session
    /// already kept under its id is replaced where it stands.
    public mutating func append(_ session: ChargingSession) {
        guard limit > 0 else { return }
        if let slot = slot(of: session.id) {
            ring[Int(slots[slot])] = session
            return
        }
        let position: Int
        if ring.count < limit {
            if ring.count == ring.capacity { ring.reserveCapacity(min(limit, max(16, ring.capacity * 2))) }
            position = ring.count
            ring.append(session)
        } else {
            position = oldest
            forget(position)
            ring[position] = session
            oldest = (oldest + 1) % limit
        }
        var slot = home(of: session.id)
        while slots[slot] != Self.empty { slot = (slot + 1) & mask }
        slots[slot] = Int32(position)
    }

    private func home(of id: String) -> Int { id.hashValue & mask }

    private func slot(of id: String) -> Int? {
        guard limit > 0 else { return nil }
        var slot = home(of: id)
        while slots[slot] != Self.empty {
            if ring[Int(slots[slot])].id == id { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Drops the table's entry for the session at ring `position`, shifting later entries of its
    /// probe run back so every lookup still finds them.
    private mutating func forget(_ position: Int) {
        guard var hole = slot(of: ring[position].id) else { return }
        var next = hole
        while true {
            next = (next + 1) & mask
            let entry = slots[next]
            if entry == Self.empty { break }
            let home = home(of: ring[Int(entry)].id)
            // The entry may fill the hole unless its home lies cyclically in (hole, next].
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if staysPut { continue }
            slots[hole] = entry
            hole = next
        }
        slots[hole] = Self.empty
    }
}
