import Testing

@testable import SmartGridCLI

/// `balancer --max-attempts`: a bad value stops the command with a one-line reason.
@Suite struct BalancerFlagsTests {
    static let base = ["balancer", "--substation", "http://127.0.0.1:7101"]

    @Test(arguments: ["0", "-1", "abc", "2.5", "101", ""])
    func badMaxAttemptsAreRefused(value: String) throws {
        let message = try #require(DeployFilesTests.parses(Self.base + ["--max-attempts=\(value)"]), "--max-attempts \(value) accepted")
        #expect(message.contains("--max-attempts"), "\(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
    }

    @Test func goodMaxAttemptsAreAccepted() throws {
        #expect(DeployFilesTests.parses(Self.base) == nil)
        for value in ["1", "3", "100"] { #expect(DeployFilesTests.parses(Self.base + ["--max-attempts", value]) == nil) }
        let command = try #require(try SmartGrid.parseAsRoot(Self.base + ["--max-attempts", "5"]) as? BalancerCommand)
        #expect(command.maxAttempts == 5)
    }
}
