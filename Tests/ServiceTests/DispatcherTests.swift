import GridCore
import GridHTTP
import Logging
import NIOPosix
import Prometheus
import Testing

@testable import Balancer

/// The balancer's routing with retries, against substations that misbehave on demand.
@Suite(.timeLimit(.minutes(1))) struct DispatcherTests {
    static let urls = ["http://fake/S1", "http://fake/S2", "http://fake/S3", "http://fake/S4"]

    struct Harness {
        let substations: FakeSubstations
        let state: BalancerState
        let dispatcher: Dispatcher
        let poller: SubstationPoller
        let registry: PrometheusCollectorRegistry
        let undo: UndoQueue

        let driver: Driver

        init(
            _ driver: Driver = .awaiting, loads: [Double], behaviours: [String: FakeSubstations.Behaviour] = [:],
            policy: PolicyName = .leastLoad
        ) {
            self.driver = driver
            let prompt: FakeSubstations.Prompt =
                switch driver {
                case .awaiting, .onLoopWithoutIdleLink: .unavailable
                case .onLoop: .answers
                case .onLoopAnsweredLater: .answersLater
                case .onLoopFindingTheLinkClosed: .notSent
                }
            let substations = FakeSubstations(
                loads: Dictionary(uniqueKeysWithValues: zip(DispatcherTests.urls, loads)), behaviours: behaviours, prompt: prompt)
            self.substations = substations
            let undo = UndoQueue { await substations.cancel(sessionId: $0.sessionId, at: $0.place, timeout: .milliseconds(500)) }
            self.undo = undo
            let configuration = BalancerConfiguration(substationURLs: DispatcherTests.urls, policy: policy, seed: 1)
            state = BalancerState(urls: configuration.substationURLs, policy: policy, seed: 1)
            registry = PrometheusCollectorRegistry()
            let metrics = BalancerMetrics(registry: registry)
            dispatcher = Dispatcher(
                state: state, client: substations, metrics: metrics, configuration: configuration, logger: Logger(label: "test"),
                undo: undo)
            poller = SubstationPoller(
                state: state, reader: DirectScrapeReader(client: substations, timeout: .seconds(1)), metrics: metrics,
                configuration: configuration, logger: Logger(label: "test"))
        }

        func place() async -> Dispatcher.Outcome {
            let order = SessionOrder(id: "session-1", request: ChargeRequest(vehicleId: "EV-1", energyKWh: 20, maxPowerKW: 11))
            if driver == .awaiting { return await dispatcher.place(order) }
            // From an event loop, as the lane calls it: whatever goes on in a task stays on that loop.
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let (outcome, onTheLoop) = await withCheckedContinuation { placed in
                loop.execute { dispatcher.placeOnLoop(order) { placed.resume(returning: ($0, loop.inEventLoop)) } }
            }
            #expect(onTheLoop, "the outcome comes on the loop the placement started on")
            return outcome
        }
    }

    /// How a car is placed: every test runs with each, and expects the same.
    enum Driver: CaseIterable, Sendable {
        /// `place`, from a task (the router's path).
        case awaiting
        /// `placeOnLoop` (the lane's path), its first order sent at once (`orderNow`) and the
        /// rest, if any, from a task; the first answer comes from inside `orderNow`.
        case onLoop
        /// As `onLoop`, the first answer coming afterwards from the loop, as a link's read brings it.
        case onLoopAnsweredLater
        /// `placeOnLoop` when no idle link can take the first order at once.
        case onLoopWithoutIdleLink
        /// `placeOnLoop` when the link taken for the first order was closed (nothing sent).
        case onLoopFindingTheLinkClosed
    }

    @Test(arguments: Driver.allCases) func routesToTheLeastLoaded(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.5, 0.2, 0.4, 0.3])
        await harness.poller.pollOnce()
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S2")
    }

    @Test(arguments: Driver.allCases) func retriesTheNextBestAndNeverTheSameTwice(_ driver: Driver) async {
        let harness = Harness(
            driver,
            loads: [0.5, 0.2, 0.4, 0.3],
            behaviours: ["http://fake/S2": .refuse, "http://fake/S4": .serverError])
        await harness.poller.pollOnce()
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S3")
        #expect(harness.substations.orders == ["http://fake/S2", "http://fake/S4", "http://fake/S3"])
        #expect(
            harness.substations.promptOrders == ([.onLoop, .onLoopAnsweredLater].contains(driver) ? ["http://fake/S2"] : []),
            "on the loop, the first order goes out at once and the retries from a task")
        #expect(harness.registry.emitToString().contains("balancer_retries_total 2"))
        #expect(harness.state.view.substations.allSatisfy { $0.inFlightDispatches == 0 }, "every dispatch answered is let go")
    }

    @Test(arguments: Driver.allCases) func noCapacityAfterMaxAttemptsRefusals(_ driver: Driver) async {
        let harness = Harness(
            driver,
            loads: [0.1, 0.2, 0.3, 0.4],
            behaviours: Dictionary(uniqueKeysWithValues: Self.urls.map { ($0, .refuse) }))
        await harness.poller.pollOnce()
        guard case .noCapacity(let detail) = await harness.place() else {
            Issue.record("expected no capacity")
            return
        }
        #expect(harness.substations.orders == ["http://fake/S1", "http://fake/S2", "http://fake/S3"], "three attempts, no more")
        #expect(detail.hasSuffix("(S1: 409, S2: 409, S3: 409)"), "every refusal is told: \(detail)")
        #expect(harness.state.view.substations.allSatisfy { $0.inFlightDispatches == 0 }, "every dispatch answered is let go")
        let metrics = harness.registry.emitToString()
        #expect(metrics.contains(#"balancer_rejected_total{reason="no-capacity"} 1"#))
        for id in ["S1", "S2", "S3"] {
            #expect(metrics.contains(#"balancer_substation_calls_total{substation="\#(id)",outcome="refused"} 1"#), "\(metrics)")
        }
    }

    /// The view says every substation is full: 503 at once, no substation called.
    @Test(arguments: Driver.allCases) func aFullGridIsAnsweredWithoutCallingAnyone(_ driver: Driver) async {
        let harness = Harness(
            driver,
            loads: [0.9, 0.9, 0.9, 0.9], behaviours: Dictionary(uniqueKeysWithValues: Self.urls.map { ($0, .full) }))
        await harness.poller.pollOnce()
        for _ in 0..<10 {
            guard case .noCapacity(let detail) = await harness.place() else {
                Issue.record("expected no capacity")
                return
            }
            #expect(detail.contains("full"))
        }
        #expect(harness.substations.orders.isEmpty)
        let metrics = harness.registry.emitToString()
        #expect(metrics.contains(#"balancer_rejected_total{reason="no-capacity"} 10"#))
        #expect(!metrics.contains(#"outcome="refused"} 1"#))
    }

    /// A 502 from a proxy in front of a substation: the order may have landed, so it is undone
    /// like a timeout (and the substation counts a failure), then the next best is tried.
    @Test(arguments: Driver.allCases) func aBadGatewayIsFateUnknownAndUndone(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4], behaviours: ["http://fake/S1": .badGateway])
        await harness.poller.pollOnce()
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S2")
        #expect(harness.substations.cancels == ["http://fake/S1"], "the order at S1 is undone")
        #expect(harness.state.view.substations[0].health.state == .failing(consecutiveFailures: 1))
        #expect(harness.registry.emitToString().contains(#"balancer_substation_calls_total{substation="S1",outcome="fate-unknown"} 1"#))
    }

    /// A 500 from the substation itself is a plain refusal: nothing to undo.
    @Test(arguments: Driver.allCases) func aServerErrorIsNotUndone(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4], behaviours: ["http://fake/S1": .serverError])
        await harness.poller.pollOnce()
        _ = await harness.place()
        #expect(harness.substations.cancels.isEmpty)
    }

    @Test(arguments: Driver.allCases) func aTimedOutOrderIsUndoneBeforeTryingElsewhere(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4])
        await harness.poller.pollOnce()
        harness.substations.set("http://fake/S1", .timeOut)
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S2")
        #expect(harness.substations.cancels == ["http://fake/S1"])
    }

    /// The order timed out and its substation then stopped answering altogether: the undo waits
    /// in the queue until the substation can be asked, so a session it may hold is not kept.
    @Test(arguments: Driver.allCases) func anUndoThatCannotBeDeliveredIsRetriedUntilItIs(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4])
        await harness.poller.pollOnce()
        harness.substations.set("http://fake/S1", .timeOutThenVanish)
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S2")
        #expect(harness.undo.count == 1)

        await harness.undo.retry(logger: Logger(label: "test"))
        #expect(harness.undo.count == 1, "still gone: still pending")
        harness.substations.set("http://fake/S1", .admit)  // back
        await harness.undo.retry(logger: Logger(label: "test"))
        #expect(harness.undo.count == 0)
        #expect(harness.substations.cancels == ["http://fake/S1", "http://fake/S1", "http://fake/S1"])
    }

    @Test(arguments: Driver.allCases) func aRefusedConnectionMarksTheSubstationDown(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4])
        await harness.poller.pollOnce()
        harness.substations.set("http://fake/S1", .refuseConnection)
        _ = await harness.place()
        #expect(harness.state.view.substations[0].health.state == .down)
        // Down substations get nothing more.
        _ = await harness.place()
        #expect(harness.substations.orders.filter { $0 == "http://fake/S1" }.count == 1)
        // Ejected for a second, however well it scrapes; then one good scrape brings it back.
        harness.substations.set("http://fake/S1", .admit)
        await harness.poller.pollOnce()
        #expect(!harness.state.view.substations[0].health.isUp)
        try? await Task.sleep(for: .milliseconds(1_100))
        await harness.poller.pollOnce()
        #expect(harness.state.view.substations[0].health.isUp)
    }

    @Test func garbageMetricsCountAsFailedScrapes() async {
        let harness = Harness(loads: [0.1, 0.2, 0.3, 0.4])
        await harness.poller.pollOnce()
        harness.substations.set("http://fake/S1", .garbageMetrics)
        for _ in 0..<2 { await harness.poller.pollOnce() }
        #expect(harness.state.view.substations[0].health.isUp, "two failures in a row: still up")
        await harness.poller.pollOnce()
        #expect(harness.state.view.substations[0].health.state == .down, "three in a row: down")
        #expect(harness.registry.emitToString().contains(#"balancer_scrape_errors_total{substation="S1"} 3"#))
    }

    @Test(arguments: Driver.allCases) func drainedSubstationsGetNothing(_ driver: Driver) async {
        let harness = Harness(driver, loads: [0.1, 0.2, 0.3, 0.4])
        await harness.poller.pollOnce()
        harness.state.withView { $0.setDrained(0, true) }
        guard case .admitted(_, let url) = await harness.place() else {
            Issue.record("not admitted")
            return
        }
        #expect(url == "http://fake/S2")
    }
}
