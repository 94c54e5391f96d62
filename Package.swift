// swift-tools-version:6.0
// recd — a local sidecar daemon for intent recognition and recommendations.
//
// Module split follows side effects (see README.md, "Layout"):
//   C seams      COpenBLAS, CLZ4, CDNNL, CSQLite   (.systemLibrary, one shim header each)
//   pure         RecdProtocol (frame codec + messages), RecdModel (weights, tokenizer, forward pass)
//   engines      RecdIntent (classifier, slots), RecdRecommend (catalog, feedback store, ranking)
//   I/O          RecdServer (socket, worker pool, lifecycle), RecdClient (async client)
//   executables  recd (daemon/), recctl and recbench (client/)
import PackageDescription

let package = Package(
    name: "recd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "recd", targets: ["recd"]),
        .executable(name: "recctl", targets: ["recctl"]),
        .executable(name: "recbench", targets: ["recbench"]),
        .library(name: "RecdClient", targets: ["RecdClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // C libraries, each behind exactly one seam.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CDNNL",
                       providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // Pure modules: no sockets, no threads of their own.
        .target(name: "RecdProtocol", dependencies: [
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // recd's own C kernels (packed-weight GEMM), compiled -O3 whatever the build configuration.
        .target(name: "CRecdKernels", path: "Sources/CRecdKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "RecdModel", dependencies: ["COpenBLAS", "CLZ4", "CDNNL", "CRecdKernels"],
                exclude: ["FORMAT.md"]),

        // Engines.
        .target(name: "RecdIntent", dependencies: [
            "COpenBLAS", "CRecdKernels",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["INTENTS.md"]),
        .target(name: "RecdRecommend", dependencies: [
            "COpenBLAS", "CSQLite",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["RANKING.md"]),

        // I/O.
        .target(name: "RecdServer", dependencies: [
            "RecdProtocol", "RecdModel", "RecdIntent", "RecdRecommend",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "RecdClient", dependencies: [
            "RecdProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),

        // Thin executables.
        .executableTarget(name: "recd", dependencies: [
            "RecdServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "daemon/recd"),
        .executableTarget(name: "recctl", dependencies: [
            "RecdClient", "RecdModel", "RecdProtocol",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "client/recctl"),
        .executableTarget(name: "recbench", dependencies: [
            "RecdClient", "RecdIntent", "RecdModel", "RecdProtocol",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "client/recbench"),

        // Fuzz target: a corpus replayer in a normal build, a libFuzzer binary under `make fuzz`.
        .executableTarget(name: "recd-fuzz", dependencies: [
            "RecdProtocol",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ], path: "protocol/fuzz", exclude: ["README.md", "RESULTS.md"]),

        // One test target per module, plus end-to-end tests over the built executables.
        .testTarget(name: "RecdModelTests", dependencies: ["RecdModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RecdProtocolTests", dependencies: ["RecdProtocol"]),
        .testTarget(name: "RecdIntentTests", dependencies: ["RecdIntent"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RecdRecommendTests", dependencies: ["RecdRecommend"]),
        .testTarget(name: "RecdServerTests", dependencies: ["RecdServer"]),
        .testTarget(name: "RecdClientTests", dependencies: ["RecdClient", "RecdServer"]),
        .testTarget(name: "EndToEndTests", dependencies: ["RecdClient", "RecdProtocol", "RecdModel"]),
    ]
)

// One place sets strictness (as swift-log does): Swift 6 language mode everywhere.
// The numeric modules are optimised in debug builds too: unoptimised SIMD code is ~100× slower, which
// would make every test that runs the real model (and `make test` in CI) take many minutes.
let numericModules: Set<String> = ["RecdModel", "RecdIntent", "RecdRecommend"]
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.swiftLanguageMode(.v6))
    if numericModules.contains(target.name) {
        settings.append(.unsafeFlags(["-O"], .when(configuration: .debug)))
    }
    target.swiftSettings = settings
}
