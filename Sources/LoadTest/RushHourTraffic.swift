import AsyncAlgorithms
import AsyncHTTPClient
import Foundation
import GridCore
import GridHTTP
import Logging
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The traffic `smartgrid up --rush-hour` drives through the gateway so a newcomer sees load move:
/// a rush-hour profile of varied vehicles, repeating, with a summary line now and then.
public struct RushHourTraffic: Service {
    let gatewayURL: String
    let upstream: Upstream
    /// Arrivals per second at the peak.
    let peakRate: Double
    let profile: RushHourProfile
    let seed: UInt64
    let logger: Logger
    /// Requests in flight beyond this are not sent: the generator must never pile up.
    static let maxInFlight = 64

    /// Cars sent at once when the traffic starts, so the grid is busy from the first minute.
    let warmUpCars: Int
    /// How long each driver waits for a free point: at the peak, cars queue (202) rather than leave.
    let maxWaitMinutes: Int

    /// `floor`: demand between peaks as a fraction of the peak (see `RushHourProfile`).
    public init(
        gatewayURL: String, client: HTTPClient, peakRate: Double, period: Double = 120, floor: Double = 0.15, warmUpCars: Int = 0,
        maxWaitMinutes: Int = 5, seed: UInt64, logger: Logger
    ) {
        self.maxWaitMinutes = maxWaitMinutes
        self.gatewayURL = gatewayURL
        self.upstream = Upstream(client: client)
        self.peakRate = peakRate
        self.profile = RushHourProfile(period: period, floor: floor)
        self.warmUpCars = warmUpCars
        self.seed = seed
        self.logger = logger
    }

    public func run() async throws {
        let tally = StatusTally()
        var generator = SeededGenerator(seed: seed)
        var vehicle = 0
        var owed = Double(warmUpCars)
        let start = ContinuousClock.now
        var lastReport = start
        let tick = Duration.milliseconds(100)
        await withDiscardingTaskGroup { group in
            for await _ in AsyncTimerSequence(interval: tick, clock: ContinuousClock()).cancelOnGracefulShutdown() {
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds)
                owed += peakRate * profile.factor(at: seconds) * 0.1
                while owed >= 1 {
                    owed -= 1
                    vehicle += 1
                    guard tally.startIfBelow(Self.maxInFlight) else { continue }
                    let request = VehicleMix.standard.nextRequest(vehicleNumber: vehicle, using: &generator)
                    group.addTask {
                        tally.finish(status: await send(request))
                    }
                }
                if ContinuousClock.now - lastReport >= .seconds(10) {
                    lastReport = ContinuousClock.now
                    let counts = tally.counts
                    let summary = counts.keys.sorted().map { "\($0 == 0 ? "failed" : String($0)): \(counts[$0]!)" }.joined(separator: ", ")
                    logger.info(
                        "rush hour: \(vehicle) vehicles so far (\(summary)), demand at \(Int(profile.factor(at: seconds) * 100))% of peak")
                }
            }
        }
    }

    /// The status the gateway answered, or 0 when it could not be reached.
    private func send(_ request: ChargeRequest) async -> Int {
        guard let body = try? WireJSON.encoder.encode(WaitRequest(charge: request, maxWaitMinutes: maxWaitMinutes)) else { return 0 }
        let answer = try? await upstream.send(.POST, gatewayURL + "/api/v1/charge-requests", json: body, timeout: .seconds(10))
        return answer?.status ?? 0
    }
}

/// Answers by status (0: not reached) and requests in flight, shared by the sending tasks.
final class StatusTally: Sendable {
    private let state = Mutex<(counts: [Int: Int], inFlight: Int)>(([:], 0))

    /// Counts one more request in flight, unless `limit` are already.
    func startIfBelow(_ limit: Int) -> Bool {
        state.withLock { state in
            guard state.inFlight < limit else { return false }
            state.inFlight += 1
            return true
        }
    }

    func finish(status: Int) {
        state.withLock { state in
            state.inFlight -= 1
            state.counts[status, default: 0] += 1
        }
    }

    var counts: [Int: Int] { state.withLock { $0.counts } }
}
