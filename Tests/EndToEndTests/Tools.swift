import Foundation

/// The repository this test runs from, and external tools the tests drive.
enum Tools {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> URL { repositoryRoot.appendingPathComponent(relative) }

    /// Tests that make network namespaces or private mounts need root, as CI has. Elsewhere they
    /// are skipped, except under `CI=true`, where a missing capability fails the run.
    static var canActAsRoot: Bool { getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true" }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool found on PATH to completion; its exit status and everything it printed.
    static func run(
        _ tool: String, _ arguments: [String], input: Data? = nil, in directory: URL? = nil, includeErrors: Bool = true
    ) throws -> (
        status: Int32, output: String
    ) {
        let search = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        let places =
            tool.contains("/")
            ? [URL(fileURLWithPath: tool)] : search.map({ URL(fileURLWithPath: String($0)).appendingPathComponent(tool) })
        guard let executable = places.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) })
        else {
            throw Missing(description: "\(tool) is not on PATH: ./scripts/test.sh installs it")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = includeErrors ? output : FileHandle.nullDevice
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every `expr:` of a Prometheus rule file, folded block scalars included.
    static func ruleExpressions(_ yaml: String) -> [String] {
        var expressions: [String] = []
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            index += 1
            guard trimmed.hasPrefix("expr:") else { continue }
            let value = trimmed.dropFirst("expr:".count).trimmingCharacters(in: .whitespaces)
            if value == "|" || value == ">" {
                let indent = line.prefix { $0 == " " }.count
                var block: [String] = []
                while index < lines.count, lines[index].prefix(while: { $0 == " " }).count > indent || lines[index].isEmpty {
                    block.append(lines[index].trimmingCharacters(in: .whitespaces))
                    index += 1
                }
                expressions.append(block.joined(separator: " ").trimmingCharacters(in: .whitespaces))
            } else {
                expressions.append(value)
            }
        }
        return expressions
    }
}
