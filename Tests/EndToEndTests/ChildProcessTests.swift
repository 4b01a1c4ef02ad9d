import Foundation
import Testing

/// The test's own process starter: exits are seen at once and reported as Foundation does, and a
/// child starts as from a shell, with SIGTERM neither blocked nor ignored.
struct ChildProcessTests {
    static let output = FileManager.default.temporaryDirectory.appendingPathComponent("child-process-test.out").path

    @Test func anExitCodeAndAnEndingSignalAreReported() throws {
        #expect(try ChildProcess.spawn(["/bin/sh", "-c", "exit 3"], output: .file(Self.output)).waitUntilExit() == 3)
        #expect(try ChildProcess.spawn(["/bin/sh", "-c", "kill -KILL $$"], output: .file(Self.output)).waitUntilExit() == SIGKILL)
    }

    @Test func sigtermEndsAChildThatDoesNotHandleIt() throws {
        let child = try ChildProcess.spawn(["/bin/sleep", "30"], output: .file(Self.output))
        #expect(child.isRunning)
        child.send(SIGTERM)
        #expect(child.waitUntilExit() == SIGTERM)
    }

    /// Foundation's `Process` on Linux learns of an exit when a socket shared with the child
    /// closes, so a grandchild that keeps the child's descriptors hides the exit
    /// (swiftlang/swift-corelibs-foundation#4795). Here the child is seen gone while its own
    /// child still runs.
    @Test func anExitIsSeenWhileAGrandchildKeepsTheDescriptors() throws {
        let child = try ChildProcess.spawn(["/bin/sh", "-c", "/bin/sleep 5 & exec /bin/sleep 30"], output: .file(Self.output))
        usleep(100_000)
        child.send(SIGKILL)
        let start = ContinuousClock.now
        while child.isRunning, ContinuousClock.now - start < .seconds(3) { usleep(10_000) }
        #expect(!child.isRunning, "a killed child still counted as running after 3 s")
        #expect(child.terminationStatus == SIGKILL)
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: ChildProcess.SpawnFailure.self) {
            try ChildProcess.spawn(["/no/such/program"], output: .file(Self.output))
        }
    }

    @Test func aChildGetsOnlyTheStandardDescriptors() throws {
        var pair: [Int32] = [0, 0]
        #expect(pipe(&pair) == 0)
        // Moved to high numbers, which the child's own descriptors (`ls` opens one) never take.
        let ends = pair.map { fcntl($0, F_DUPFD, 200) }
        for end in pair { close(end) }
        defer { for end in ends { close(end) } }
        let listing = FileManager.default.temporaryDirectory.appendingPathComponent("child-process-fds-\(getpid()).out")
        defer { try? FileManager.default.removeItem(at: listing) }
        // `ls` opens one descriptor of its own to read the folder.
        let status = try ChildProcess.spawn(["/bin/ls", "/proc/self/fd"], output: .file(listing.path)).waitUntilExit()
        #expect(status == 0)
        let descriptors = try String(contentsOf: listing, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(!descriptors.contains(ends[0]) && !descriptors.contains(ends[1]), "inherited: \(descriptors)")
        #expect(descriptors.count <= 4, "descriptors: \(descriptors)")
    }
}
