import Foundation
import GridCore
import GridStore
import Logging
import NIOCore
import PostgresNIO

/// The gateway's durable memory in PostgreSQL, shared by every gateway that points at the same
/// database: where each booking lives, each `Idempotency-Key`'s order and final answer, and the
/// one waiting line. The database is the authority: its unique keys decide which gateway places
/// an order, and row locks decide which gateway places the head of the line.
///
/// Every call is bounded by `callTimeout`; past it (the database is down or the pool is
/// exhausted) it throws, and the gateway answers 503. The pool reconnects by itself.
public final class PostgresGatewayDatabase: SessionDirectory, SharedIdempotencyArchive, SharedWaitingListStore, StoreReadiness {
    /// The connection pool; run it as a service, listed before the servers that use it.
    public let client: PostgresClient
    private let logger: Logger
    let callTimeout: Duration

    init(client: PostgresClient, logger: Logger, callTimeout: Duration) {
        self.client = client
        self.logger = logger
        self.callTimeout = callTimeout
    }

    /// Connects once to check the URL (bounded by `connectTimeout`), brings the schema up to date,
    /// then returns the database with a pool of at most `maximumConnections`.
    public static func open(
        _ url: DatabaseURL, maximumConnections: Int = 8, connectTimeout: Duration = .seconds(5), callTimeout: Duration = .seconds(2),
        logger: Logger
    ) async throws -> PostgresGatewayDatabase {
        try await migrate(url, connectTimeout: connectTimeout, logger: logger)
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = connectTimeout
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
        return PostgresGatewayDatabase(
            client: PostgresClient(configuration: configuration, backgroundLogger: logger), logger: logger, callTimeout: callTimeout)
    }

    // MARK: Calls, each bounded

    private func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await withDeadline(callTimeout) { [client] in
            try await client.withConnection { connection in
                try await connection.query(query, logger: logger).collect()
            }
        }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await withDeadline(callTimeout) { [client] in
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    public func isReachable() async -> Bool {
        (try? await query("SELECT 1")) != nil
    }

    // MARK: SessionDirectory

    public func record(_ id: String, at location: SessionLocation) async throws {
        _ = try await query(
            """
            INSERT INTO sessions (id, substation_id, recorded_at) VALUES (\(id), \(location.substationId), \(Date().timeIntervalSince1970))
            ON CONFLICT (id) DO UPDATE SET substation_id = EXCLUDED.substation_id
            """)
    }

    public func location(of id: String) async throws -> SessionLocation? {
        guard let row = try await query("SELECT substation_id FROM sessions WHERE id = \(id)").first else { return nil }
        return SessionLocation(substationId: try row.decode(String.self))
    }

    // MARK: IdempotencyArchive

    public func claim(_ order: BoundOrder, fateWindowSeconds: Double, lifetimeSeconds: Double) async throws -> IdempotencyClaim {
        // A key deleted (unbound) between the insert and the read is tried again.
        for _ in 0..<3 {
            let inserted = try await query(
                """
                INSERT INTO idempotency_keys (key, fingerprint, order_id, since)
                VALUES (\(order.key), \(order.fingerprint), \(order.orderId), \(order.since))
                ON CONFLICT (key) DO NOTHING RETURNING order_id
                """)
            if !inserted.isEmpty { return .claimed(order) }
            guard let row = try await query(
                """
                SELECT fingerprint, order_id, since, status, headers, body, answered_at FROM idempotency_keys WHERE key = \(order.key)
                """
            ).first else { continue }
            let (fingerprint, orderId, since, status, headers, body, answeredAt) = try row.decode(
                (String, String, Double, Int?, String?, ByteBuffer?, Double?).self)
            if let answeredAt, let status, let headers {
                guard order.since - answeredAt < lifetimeSeconds else {
                    _ = try await query("DELETE FROM idempotency_keys WHERE key = \(order.key) AND answered_at = \(answeredAt)")
                    continue
                }
                return .answered(
                    ArchivedAnswer(
                        key: order.key, fingerprint: fingerprint, status: status, headers: try Self.headers(headers, key: order.key),
                        body: body.map { Array($0.readableBytesView) } ?? [], answeredAt: answeredAt))
            }
            let bound = BoundOrder(key: order.key, fingerprint: fingerprint, orderId: orderId, since: since)
            guard fingerprint == order.fingerprint, order.since - since >= fateWindowSeconds else { return .bound(bound) }
            // The attempt is over and its fate unknown: whoever renews `since` first resolves it.
            let taken = try await query(
                """
                UPDATE idempotency_keys SET since = \(order.since)
                WHERE key = \(order.key) AND answered_at IS NULL AND since = \(since) RETURNING order_id
                """)
            guard !taken.isEmpty else { return .bound(bound) }
            return .takenOver(BoundOrder(key: order.key, fingerprint: fingerprint, orderId: orderId, since: order.since))
        }
        throw DatabaseDeadlineExceeded(limit: callTimeout)
    }

    private static func headers(_ text: String, key: String) throws -> [(name: String, value: String)] {
        guard let pairs = try? JSONDecoder().decode([[String]].self, from: Data(text.utf8)), pairs.allSatisfy({ $0.count == 2 }) else {
            throw UnreadableRowError(table: "idempotency_keys", key: key, reason: "headers are not name-value pairs")
        }
        return pairs.map { (name: $0[0], value: $0[1]) }
    }

    public func bind(_ order: BoundOrder) async throws {
        _ = try await query(
            """
            INSERT INTO idempotency_keys (key, fingerprint, order_id, since)
            VALUES (\(order.key), \(order.fingerprint), \(order.orderId), \(order.since))
            ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, order_id = EXCLUDED.order_id, since = EXCLUDED.since,
                status = NULL, headers = NULL, body = NULL, answered_at = NULL
            """)
    }

    public func unbind(key: String, orderId: String) async throws {
        _ = try await query("DELETE FROM idempotency_keys WHERE key = \(key) AND order_id = \(orderId) AND answered_at IS NULL")
    }

    public func keep(_ answer: ArchivedAnswer) async throws {
        let headers = String(decoding: try JSONEncoder().encode(answer.headers.map { [$0.name, $0.value] }), as: UTF8.self)
        let body = ByteBuffer(bytes: answer.body)
        _ = try await query(
            """
            INSERT INTO idempotency_keys (key, fingerprint, order_id, since, status, headers, body, answered_at)
            VALUES (\(answer.key), \(answer.fingerprint), '', \(answer.answeredAt), \(answer.status), \(headers), \(body), \(answer.answeredAt))
            ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, headers = EXCLUDED.headers,
                body = EXCLUDED.body, answered_at = EXCLUDED.answered_at
            """)
    }

    public func answers(since time: Double) async throws -> [ArchivedAnswer] {
        _ = try await query("DELETE FROM idempotency_keys WHERE answered_at < \(time)")
        return try await query(
            """
            SELECT key, fingerprint, status, headers, body, answered_at FROM idempotency_keys
            WHERE answered_at IS NOT NULL ORDER BY answered_at
            """
        ).map { row in
            let (key, fingerprint, status, headers, body, answeredAt) = try row.decode((String, String, Int, String, ByteBuffer, Double).self)
            return ArchivedAnswer(
                key: key, fingerprint: fingerprint, status: status, headers: try Self.headers(headers, key: key),
                body: Array(body.readableBytesView), answeredAt: answeredAt)
        }
    }

    public func boundOrders(since time: Double) async throws -> [BoundOrder] {
        _ = try await query("DELETE FROM idempotency_keys WHERE answered_at IS NULL AND since < \(time)")
        return try await query("SELECT key, fingerprint, order_id, since FROM idempotency_keys WHERE answered_at IS NULL ORDER BY since")
            .map { row in
                let (key, fingerprint, orderId, since) = try row.decode((String, String, String, Double).self)
                return BoundOrder(key: key, fingerprint: fingerprint, orderId: orderId, since: since)
            }
    }

    // MARK: WaitingListStore

    private static func text(_ entry: WaitingLine.Entry) throws -> String {
        String(decoding: try JSONEncoder().encode(entry), as: UTF8.self)
    }

    private static func entry(_ text: String, placing: Bool, orderId: String) throws -> WaitingLine.Entry {
        do {
            var entry = try JSONDecoder().decode(WaitingLine.Entry.self, from: Data(text.utf8))
            entry.placing = placing
            return entry
        } catch {
            throw UnreadableRowError(table: "waiting_list", key: orderId, reason: "\(error)")
        }
    }

    public func enqueue(_ entry: WaitingLine.Entry) async throws {
        _ = try await enqueue(entry, capacity: .max)
    }

    public func enqueue(_ entry: WaitingLine.Entry, capacity: Int) async throws -> Int? {
        let text = try Self.text(entry)
        return try await transaction { connection in
            // Joins are serialized, so the line never grows past its capacity.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.waitingListLock))", logger: self.logger)
            let waiting = try await connection.query("SELECT count(*) FROM waiting_list WHERE state = 'waiting'", logger: self.logger)
                .collect().first?.decode(Int.self) ?? 0
            guard waiting < capacity else { return nil }
            try await connection.query(
                """
                INSERT INTO waiting_list (order_id, state, entry, wait_until) VALUES (\(entry.orderId), 'waiting', \(text), \(entry.waitUntil))
                """, logger: self.logger)
            return waiting + 1
        }
    }

    public func markPlacing(_ orderId: String, since: Double?) async throws {
        let attempted = since != nil
        _ = try await query("UPDATE waiting_list SET attempted = \(attempted) WHERE order_id = \(orderId) AND state = 'waiting'")
    }

    public func end(_ orderId: String, as ending: WaitingLine.Ending, bookedAt location: SessionLocation?) async throws -> Bool {
        try await transaction { connection in
            let changed = try await connection.query(
                "UPDATE waiting_list SET state = \(ending.rawValue), lease_until = NULL WHERE order_id = \(orderId) AND state = 'waiting' RETURNING seq",
                logger: self.logger
            ).collect()
            guard !changed.isEmpty else { return false }
            if let location {
                try await connection.query(
                    """
                    INSERT INTO sessions (id, substation_id, recorded_at) VALUES (\(orderId), \(location.substationId), \(Date().timeIntervalSince1970))
                    ON CONFLICT (id) DO UPDATE SET substation_id = EXCLUDED.substation_id
                    """, logger: self.logger)
            }
            return true
        }
    }

    public func waitingLine(endedLimit: Int) async throws -> (waiting: [WaitingLine.Entry], ended: [(WaitingLine.Ending, WaitingLine.Entry)]) {
        var waiting: [WaitingLine.Entry] = []
        var ended: [(WaitingLine.Ending, WaitingLine.Entry)] = []
        for row in try await query("SELECT order_id, state, entry, attempted FROM waiting_list ORDER BY seq") {
            let (orderId, state, text, placing) = try row.decode((String, String, String, Bool).self)
            let entry = try Self.entry(text, placing: placing, orderId: orderId)
            if state == "waiting" {
                waiting.append(entry)
            } else if let ending = WaitingLine.Ending(rawValue: state) {
                ended.append((ending, entry))
            }
        }
        return (waiting, Array(ended.suffix(endedLimit)))
    }

    public func waitingCount() async throws -> Int {
        try await query("SELECT count(*) FROM waiting_list WHERE state = 'waiting'").first?.decode(Int.self) ?? 0
    }

    public func place(of orderId: String) async throws -> WaitingLine.Place? {
        guard let row = try await query(
            """
            SELECT l.state, l.entry, l.attempted,
                (SELECT count(*) FROM waiting_list w WHERE w.state = 'waiting' AND w.seq <= l.seq)
            FROM waiting_list l WHERE l.order_id = \(orderId)
            """
        ).first else { return nil }
        let (state, text, placing, position) = try row.decode((String, String, Bool, Int).self)
        let entry = try Self.entry(text, placing: placing, orderId: orderId)
        if state == "waiting" { return .waiting(position: position, entry: entry) }
        guard let ending = WaitingLine.Ending(rawValue: state) else {
            throw UnreadableRowError(table: "waiting_list", key: orderId, reason: "unknown state \(state)")
        }
        return .ended(ending, entry: entry)
    }

    public func leaseHead(now: Double, leaseSeconds: Double) async throws -> WaitingLine.Entry? {
        // The head row is locked while its lease is taken, so two gateways never both get it;
        // `head.attempted` is the flag as it was before (an earlier attempt's fate is unknown).
        guard let row = try await query(
            """
            WITH head AS (SELECT seq, attempted FROM waiting_list WHERE state = 'waiting' ORDER BY seq LIMIT 1 FOR UPDATE)
            UPDATE waiting_list w SET lease_until = \(now + leaseSeconds), attempted = true FROM head
            WHERE w.seq = head.seq AND (w.lease_until IS NULL OR w.lease_until < \(now))
            RETURNING w.order_id, w.entry, head.attempted
            """
        ).first else { return nil }
        let (orderId, text, placing) = try row.decode((String, String, Bool).self)
        return try Self.entry(text, placing: placing, orderId: orderId)
    }

    public func release(_ orderId: String) async throws {
        _ = try await query(
            "UPDATE waiting_list SET lease_until = NULL, attempted = false WHERE order_id = \(orderId) AND state = 'waiting'")
    }

    public func expire(now: Double) async throws -> [WaitingLine.Entry] {
        try await query(
            """
            UPDATE waiting_list SET state = 'expired', lease_until = NULL WHERE state = 'waiting' AND wait_until <= \(now)
            RETURNING order_id, entry, attempted
            """
        ).map { row in
            let (orderId, text, placing) = try row.decode((String, String, Bool).self)
            return try Self.entry(text, placing: placing, orderId: orderId)
        }
    }

    public func cancel(_ orderId: String) async throws -> WaitingLine.Entry? {
        guard let row = try await query(
            """
            UPDATE waiting_list SET state = 'cancelled', lease_until = NULL WHERE order_id = \(orderId) AND state = 'waiting'
            RETURNING entry, attempted
            """
        ).first else { return nil }
        let (text, placing) = try row.decode((String, Bool).self)
        return try Self.entry(text, placing: placing, orderId: orderId)
    }
}
