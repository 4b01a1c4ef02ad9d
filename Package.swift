// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "smartgrid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "smartgrid", targets: ["SmartGridCLI"]),
        .executable(name: "smartgrid-bench", targets: ["SmartGridBench"]),
        .library(name: "GridCore", targets: ["GridCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        // Already built for Hummingbird; named for the HTTP part types `FastLane` handles.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure domain: no I/O, no Hummingbird. The services and the simulator all run this code.
        .target(name: "GridCore", swiftSettings: swiftSettings),
        // OCPP 1.6J and 2.0.1 as values: frames, messages, each charge point's state, limits. No I/O.
        .target(name: "OCPPCore", dependencies: ["GridCore"], swiftSettings: swiftSettings),
        // Embedded SQLite (WAL) for what must survive a crash: the gateway's bookings, substations' sessions.
        .target(
            name: "GridStore",
            dependencies: [.product(name: "SQLiteNIO", package: "sqlite-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // What every service shares on the wire: problem+json, JSON coding, the HTTP client service.
        .target(
            name: "GridHTTP",
            dependencies: [
                "GridCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Substation",
            dependencies: [
                "GridCore", "GridHTTP", "GridStore", "OCPPCore",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Balancer",
            dependencies: [
                "GridCore", "GridHTTP",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "GridCore", "GridHTTP", "GridStore",
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoadTest",
            dependencies: [
                "GridCore", "GridHTTP", "Reports",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // SVG charts and self-contained HTML pages for the load tester and the simulator.
        .target(name: "Reports", swiftSettings: swiftSettings),
        .target(name: "Simulation", dependencies: ["GridCore", "Reports"], swiftSettings: swiftSettings),
        // Benchmarks that print figures: `swift run -c release smartgrid-bench`.
        .executableTarget(
            name: "SmartGridBench",
            dependencies: [
                "GridCore", "Simulation", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "SmartGridCLI",
            dependencies: [
                "GridCore", "GridHTTP", "Substation", "Balancer", "Gateway", "LoadTest", "Simulation", "OCPPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "GridCoreTests", dependencies: ["GridCore"], swiftSettings: swiftSettings),
        .testTarget(name: "OCPPCoreTests", dependencies: ["OCPPCore", "GridCore"], swiftSettings: swiftSettings),
        .testTarget(name: "SimulationTests", dependencies: ["GridCore", "Simulation", "Reports"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LoadTestTests",
            dependencies: [
                "GridCore", "LoadTest", "GridHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "GridCore", "GridHTTP", "GridStore", "Substation", "Balancer", "Gateway",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DeployTests",
            dependencies: ["SmartGridCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "GridCore", "GridHTTP", "GridStore", "Substation", "Balancer", "Gateway", "LoadTest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Support"],
            swiftSettings: swiftSettings
        ),
    ]
)
