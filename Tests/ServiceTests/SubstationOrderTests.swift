import Foundation
import GridCore
import GridHTTP
import GridStore
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Substation

/// A substation's half of exactly once: an order sent twice starts one session, an order
/// withdrawn before it arrived never starts, and nothing is answered before the journal has it.
@Suite struct SubstationOrderTests {
    static let configuration = SubstationConfiguration(baseLoadFraction: 0, timeScale: 1)

    static func order(_ id: String, energy: Double = 30) -> ByteBuffer {
        ByteBuffer(string: #"{"id":"\#(id)","vehicleId":"EV-1","energyKWh":\#(energy),"maxPowerKW":11,"departureMinutes":90}"#)
    }

    static func json(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:]
    }

    static let headers: HTTPFields = [.contentType: "application/json"]

    @Test func theSameOrderTwiceStartsOneSession() async throws {
        let app = buildSubstationApplication(Self.configuration)
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/sessions", method: .post, headers: Self.headers, body: Self.order("o-1")) { $0 }
            let again = try await client.execute(uri: "/sessions", method: .post, headers: Self.headers, body: Self.order("o-1")) { $0 }
            #expect(first.status == .created && again.status == .created)
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(Self.json(again)["id"] as? String == "o-1")
            let other = try await client.execute(
                uri: "/sessions", method: .post, headers: Self.headers, body: Self.order("o-1", energy: 40)) { $0 }
            #expect(other.status == .conflict)
            #expect(Self.json(other)["reason"] as? String == "duplicate-session")
            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains(#"substation_sessions_total{substation="S1",outcome="admitted"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"substation_active_sessions{substation="S1"} 1"#))
        }
    }

    /// An undo that arrives before its order (the order was slow on another connection) leaves a
    /// tombstone: the order, arriving late, is refused.
    @Test func anOrderWithdrawnBeforeItArrivesNeverStarts() async throws {
        let app = buildSubstationApplication(Self.configuration)
        try await app.test(.router) { client in
            let undo = try await client.execute(uri: "/sessions/late-1", method: .delete) { $0 }
            #expect(undo.status == .notFound)
            let late = try await client.execute(uri: "/sessions", method: .post, headers: Self.headers, body: Self.order("late-1")) { $0 }
            #expect(late.status == .conflict)
            #expect(Self.json(late)["reason"] as? String == "withdrawn-order")
            let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains(#"substation_active_sessions{substation="S1"} 0"#))
        }
    }

    /// A repeat that arrives while the first admission is still being written down waits for it
    /// (503, retry): it is never told of a session that might not survive.
    @Test func aRepeatWaitsForTheFirstAdmissionToBeWritten() throws {
        let state = SubstationState(configuration: Self.configuration, clock: ScaledClock(timeScale: 1))
        let order = SessionOrder(id: "o-9", request: ChargeRequest(vehicleId: "EV-9", energyKWh: 10, maxPowerKW: 11))
        guard case .admitted = state.admit(order) else { throw Failure("not admitted") }
        guard case .beingRecorded = state.admit(order) else { throw Failure("a repeat before the write must wait") }
        state.recorded(id: "o-9")
        guard case .alreadyAdmitted(let session) = state.admit(order) else { throw Failure("a repeat after the write is answered") }
        #expect(session.id == "o-9")
    }

    /// A checkpoint whose write failed gives its endings back: the next checkpoint writes them.
    @Test func endingsOfAFailedCheckpointAreWrittenNextTime() throws {
        let state = SubstationState(configuration: Self.configuration, clock: ScaledClock(timeScale: 1))
        let order = SessionOrder(id: "o-10", request: ChargeRequest(vehicleId: "EV-10", energyKWh: 10, maxPowerKW: 11))
        guard case .admitted = state.admit(order) else { throw Failure("not admitted") }
        _ = state.withdraw(id: "o-10")
        let failed = state.checkpoint()
        #expect(failed.ended.map(\.id) == ["o-10"])
        state.checkpointFailed(ended: failed.ended)
        #expect(state.checkpoint().ended.map(\.id) == ["o-10"], "given back, written with the next checkpoint")
        #expect(state.checkpoint().ended.isEmpty)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("smartgrid-journal-\(UUID().uuidString.prefix(8))").path
    }

    /// A cancellation the journal cannot keep is not answered 200: a crash would bring the session back.
    @Test func aCancellationThatCannotBeJournaledIs503() async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try await SubstationJournal.open(folder: folder, substationId: "S1")
        let clock = ScaledClock(timeScale: 1)
        let state = SubstationState(configuration: Self.configuration, clock: clock)
        let app = makeSubstation(
            Self.configuration, state: state, clock: clock, journal: journal, services: [], registry: .init(), onListening: { _, _ in })
        try await app.test(.router) { client in
            let admitted = try await client.execute(uri: "/sessions", method: .post, headers: Self.headers, body: Self.order("o-2")) { $0 }
            #expect(admitted.status == .created)
            try await journal.close()
            let cancel = try await client.execute(uri: "/sessions/o-2", method: .delete) { $0 }
            #expect(cancel.status == .serviceUnavailable)
            #expect(cancel.headers[.retryAfter] == "1")
            let unseen = try await client.execute(uri: "/sessions/never-seen", method: .delete) { $0 }
            #expect(unseen.status == .serviceUnavailable, "a tombstone that cannot be kept is not promised either")
        }
    }
}

/// The substation journal keeps what happened, in order, whatever order its writes land in.
@Suite struct SubstationJournalTests {
    static let request = ChargeRequest(vehicleId: "EV-1", energyKWh: 30, maxPowerKW: 11)

    static func session(_ id: String, cancelled: Bool) -> ChargingSession {
        var model = SubstationModel(
            spec: SubstationSpec(id: "S1", capacityKW: 100, chargingPoints: 4, pointMaxKW: 22),
            baseLoad: BaseLoadCurve(capacityKW: 100, meanFraction: 0, seed: 1), now: 0)
        guard case .success(let session) = model.admit(id: id, request: request, createdAtEpochSeconds: 0) else { fatalError() }
        return cancelled ? model.cancel(id: id)! : session
    }

    /// The admission's write lands after its undo's: the session stays cancelled, so a restart
    /// cannot bring back a car that was never told it is charging.
    @Test func aLateAdmissionWriteDoesNotReviveACancelledSession() async throws {
        let folder = SubstationOrderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try await SubstationJournal.open(folder: folder, substationId: "S1")
        try await journal.record([Self.session("a", cancelled: true)])
        try await journal.record([Self.session("a", cancelled: false)])
        let restored = try await journal.restore(endedLimit: 100)
        #expect(restored.active.isEmpty)
        #expect(restored.ended.map(\.status) == [.cancelled])
        #expect(restored.totals?.counts.admitted == 1 && restored.totals?.counts.cancelled == 1)
        try await journal.close()
    }

    @Test func tombstonesOutliveARestart() async throws {
        let folder = SubstationOrderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try await SubstationJournal.open(folder: folder, substationId: "S1")
        try await journal.recordWithdrawal(of: "gone-1")
        try await journal.close()
        let reopened = try await SubstationJournal.open(folder: folder, substationId: "S1")
        #expect(try await reopened.restore(endedLimit: 100).withdrawn == ["gone-1"])
        try await reopened.close()
    }

    /// A row that cannot be read stops the restore with its id: never a session silently forgotten.
    @Test func anUnreadableRowFailsLoudly() async throws {
        let folder = SubstationOrderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try await SubstationJournal.open(folder: folder, substationId: "S1")
        try await journal.record([Self.session("good", cancelled: false)])
        try await journal.close()
        let path = folder + "/substation-S1.sqlite"
        let store = try await SQLiteStore.openAsItIs(path: path)
        try await store.execute("INSERT INTO sessions (id, status, body) VALUES ('broken', 'charging', '{not json')")
        try await store.close()
        let reopened = try await SubstationJournal.open(folder: folder, substationId: "S1")
        await #expect(throws: UnreadableRowError.self) { _ = try await reopened.restore(endedLimit: 100) }
        try await reopened.close()
    }

    /// A journal written before migrations existed (user_version 0) is brought up to date with
    /// its rows; a file from a newer program is refused.
    @Test func migrationsUpgradeOldFilesAndRefuseNewerOnes() async throws {
        let folder = SubstationOrderTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/substation-S1.sqlite"
        let old = try await SQLiteStore.open(path: path, migrations: [])
        try await old.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL)")
        let body = String(decoding: try JSONEncoder().encode(Self.session("kept", cancelled: false)), as: UTF8.self)
        try await old.execute("INSERT INTO sessions (id, status, body) VALUES ('kept', 'charging', ?)", [.text(body)])
        try await old.close()
        let journal = try await SubstationJournal.open(folder: folder, substationId: "S1")
        #expect(try await journal.restore(endedLimit: 100).active.map(\.id) == ["kept"])
        try await journal.close()
        let check = try await SQLiteStore.openAsItIs(path: path)
        #expect(try await check.schemaVersion() == SubstationJournal.migrations.count)
        try await check.execute("PRAGMA user_version = 99")
        try await check.close()
        await #expect(throws: StoreOpeningError.self) { _ = try await SubstationJournal.open(folder: folder, substationId: "S1") }
    }
}
