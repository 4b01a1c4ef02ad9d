import NIOCore

/// Runs a task's nonisolated code on one event loop (Swift's task executor preference,
/// SE-0417). A request read on a loop, dispatched over links on that same loop and answered
/// there never crosses threads: no wake-ups of the concurrency pool, no hand-offs back to the
/// loop, which the profile showed costing more than the routing itself.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let loop: any EventLoop

    public init(loop: any EventLoop) {
        self.loop = loop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
