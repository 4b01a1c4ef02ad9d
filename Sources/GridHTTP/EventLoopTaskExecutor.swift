import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Runs a task's nonisolated code on one event loop (Swift's task executor preference,
/// SE-0417). A request read on a loop, dispatched over links on that same loop and answered
/// there never crosses threads: no wake-ups of the concurrency pool, no hand-offs back to the
/// loop, which the profile showed costing more than the routing itself.
///
/// Jobs enqueued on the loop itself (a continuation resumed by a handler, the lane waking its
/// task) wait in a queue of the executor's own that one loop task drains, instead of a closure
/// allocated and queued with the loop per job. Jobs from other threads go through the loop's
/// `execute`. One executor per loop (`shared(for:)`), kept for the life of the process.
public final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    public let loop: any EventLoop
    /// Jobs enqueued on the loop, oldest first; used on the loop only.
    private var queued: [UnownedJob] = []
    private var draining: [UnownedJob] = []
    /// Made once: handing the loop this closure allocates nothing.
    private var drain: (@Sendable () -> Void)?

    private static let executors = NIOLockedValueBox<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    /// The executor of `loop`, made the first time it is asked for.
    public static func shared(for loop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLockedValue { executors in
            if let executor = executors[ObjectIdentifier(loop)] { return executor }
            let executor = EventLoopTaskExecutor(loop: loop)
            executors[ObjectIdentifier(loop)] = executor
            return executor
        }
    }

    /// The executor of the event loop this runs on; nil off the loops.
    public static var current: EventLoopTaskExecutor? {
        MultiThreadedEventLoopGroup.currentEventLoop.map { shared(for: $0) }
    }

    private init(loop: any EventLoop) {
        self.loop = loop
        drain = { [self] in runQueued() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        guard loop.inEventLoop, let drain else {
            loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
            return
        }
        queued.append(job)
        if queued.count == 1 { loop.execute(drain) }
    }

    /// Runs the jobs queued so far; jobs they enqueue run in the next drain.
    private func runQueued() {
        swap(&queued, &draining)
        for job in draining { job.runSynchronously(on: asUnownedTaskExecutor()) }
        draining.removeAll(keepingCapacity: true)
    }
}
