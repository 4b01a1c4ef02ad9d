import ArgumentParser
import Foundation
import Testing

@testable import SmartGridCLI

/// The deployment files, validated with the tools that run here (there is no container engine):
/// every command they give the image is accepted by the real CLI parser, compose and the
/// Kubernetes schemas accept the files.
@Suite struct DeployFilesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// YAML documents as JSON values, through PyYAML (which ./scripts/test.sh installs).
    static func yamlDocuments(_ relativePath: String) throws -> [Any] {
        let script = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))"
        let (status, output) = try run("python3", ["-c", script, relativePath])
        try #require(status == 0, "python3 with PyYAML could not read \(relativePath): \(output)")
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Any] ?? []
    }

    /// `${NAME:-default}` as compose substitutes it with NAME unset.
    static func withDefaults(_ argument: String) -> String {
        guard let range = argument.range(of: #"\$\{[A-Z_]+:-([^}]*)\}"#, options: .regularExpression) else { return argument }
        let inner = argument[range].dropFirst(2).dropLast()
        let fallback = inner.components(separatedBy: ":-").dropFirst().joined(separator: ":-")
        return argument.replacingCharacters(in: range, with: fallback)
    }

    static func parses(_ arguments: [String]) -> String? {
        do {
            _ = try SmartGrid.parseAsRoot(arguments)
            return nil
        } catch {
            return SmartGrid.message(for: error)
        }
    }

    @Test func theParserCheckCanFail() {
        #expect(Self.parses(["balancer", "--no-such-flag"]) != nil)
        #expect(Self.parses(["balancer", "--discover", "http://not-dns"]) != nil)
        #expect(Self.parses(["substation", "--capacity-kw", "-5"]) != nil)
        #expect(Self.parses(["balancer", "--substation", "http://127.0.0.1:7101"]) == nil)
    }

    @Test func everyComposeCommandIsAcceptedByTheCLI() throws {
        let compose = try #require(try Self.yamlDocuments("docker-compose.yml").first as? [String: Any])
        let services = try #require(compose["services"] as? [String: [String: Any]])
        var checked = 0
        for (name, service) in services where service["image"] as? String == "smartgrid:latest" {
            let command = try #require(service["command"] as? [String], "\(name) has a command list").map(Self.withDefaults)
            #expect(Self.parses(command) == nil, "\(name): \(command.joined(separator: " ")): \(Self.parses(command) ?? "")")
            checked += 1
        }
        #expect(checked >= 3)
        #expect(services["substation"]?["ports"] == nil, "substations must not publish ports, or --scale collides")
    }

    @Test func everyKubernetesContainerCommandIsAcceptedByTheCLI() throws {
        var checked = 0
        for file in ["substation.yaml", "balancer.yaml", "gateway.yaml"] {
            for case let document as [String: Any] in try Self.yamlDocuments("deploy/k8s/\(file)") {
                let spec = ((document["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
                for container in spec?["containers"] as? [[String: Any]] ?? [] {
                    let arguments = try #require(container["args"] as? [String])
                    #expect(Self.parses(arguments) == nil, "\(file): \(arguments.joined(separator: " ")): \(Self.parses(arguments) ?? "")")
                    checked += 1
                }
            }
        }
        #expect(checked == 3)
    }

    @Test func theImageDefaultCommandIsAccepted() throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let line = try #require(dockerfile.split(separator: "\n").last { $0.hasPrefix("CMD ") })
        let arguments = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(4).utf8)) as? [String])
        #expect(Self.parses(arguments) == nil)
        #expect(dockerfile.contains("--static-swift-stdlib"))
        #expect(dockerfile.contains("USER smartgrid"))
        #expect(dockerfile.contains("HEALTHCHECK"))
    }

    @Test func composeAcceptsItsFile() throws {
        let (status, output) = try Self.run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"])
        #expect(status == 0, "docker-compose config: \(output)")
        let (scaled, scaledOutput) = try Self.run(
            "docker-compose", ["-f", "docker-compose.yml", "--profile", "loadtest", "config", "--services"])
        #expect(scaled == 0, "\(scaledOutput)")
    }

    @Test func kubernetesSchemasAcceptTheManifests() throws {
        let files = ["namespace.yaml", "substation.yaml", "balancer.yaml", "postgres.yaml", "gateway.yaml"].map { "deploy/k8s/\($0)" }
        let (status, output) = try Self.run("python3", ["-m", "kubernetes_validate", "--strict", "--quiet"] + files)
        #expect(status == 0, "kubernetes-validate: \(output)")
        let kustomization = try #require(try Self.yamlDocuments("deploy/k8s/kustomization.yaml").first as? [String: Any])
        #expect(
            Set(kustomization["resources"] as? [String] ?? []) == [
                "namespace.yaml", "substation.yaml", "balancer.yaml", "postgres.yaml", "gateway.yaml",
            ])
    }
}
