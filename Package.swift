// swift-tools-version:6.1
import PackageDescription

// Every vendor backend is a C dynamic library that sees only the ABI header.
let backends: [(product: String, target: String, folder: String)] = [
    ("certify_backend_cpu", "BackendCPU", "cpu"),
    ("certify_backend_ascend", "BackendAscend", "ascend"),
    ("certify_backend_cambricon", "BackendCambricon", "cambricon"),
    ("certify_backend_hygon", "BackendHygon", "hygon"),
    ("certify_backend_faulty", "BackendFaulty", "faulty"),
    // A test plugin: the emulator with cpu numerics and one planted defect (its DEFECTS.md).
    ("certify_backend_defective", "BackendDefective", "defective"),
]

// Backends are vendor libraries: optimised even in debug builds, only the bootstrap exported.
let backendFlags: [CSetting] = [.unsafeFlags(["-O2", "-fvisibility=hidden"])]

let oracleFlags: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "certify",
    products: [
        .executable(name: "certify", targets: ["certify"])
    ] + backends.map { .library(name: $0.product, type: .dynamic, targets: [$0.target]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // The fp64 oracle's matrix products: OpenBLAS's cblas_dgemm (Debian libopenblas-dev).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CCertifyBackend"),
        // The worker's few POSIX calls Swift cannot make (signal handlers, memfd, pipe2, prctl);
        // a target of its own so that plugins, which link CCertifyBackend, never carry them.
        .target(name: "CCertifyWorker"),
        // Exit statuses, failures, file lookup and timestamps every layer shares; no dependencies.
        .target(name: "CertifyBase"),
        .target(name: "CertifyProfiles", dependencies: ["CYAML", "CertifyNumerics"]),
        // The oracle (inputs, fp64 references, bounds, metrics) is optimised even in debug builds:
        // at -Onone the standard suite's oracle alone takes minutes.
        .target(name: "CertifyNumerics", swiftSettings: oracleFlags),
        .target(name: "CertifyBattery", dependencies: ["CertifyNumerics"], swiftSettings: oracleFlags),
        // The fp64 oracle: every reference kernel, the tolerance models beside them, and judging; the
        // only importer of COpenBLAS.
        .target(
            name: "CertifyOracle", dependencies: ["CertifyBattery", "CertifyNumerics", "COpenBLAS"], swiftSettings: oracleFlags
        ),
        // Digests, DSSE envelopes, X.509 chains and keys: the only importer of Crypto and X509.
        .target(
            name: "CertifyTrust",
            dependencies: [
                "CertifyBase",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Loading plugins and talking to them: the only importer of the ABI header.
        .target(
            name: "CertifyBackends",
            dependencies: ["CCertifyBackend", "CCertifyWorker", "CertifyBase", "CertifyBattery", "CertifyTrust"]
        ),
        // The statement, levels, tiers, renderings, gating and verifying: nothing here loads a plugin.
        .target(
            name: "CertifyReport",
            dependencies: ["CertifyBase", "CertifyBattery", "CertifyProfiles", "CertifyNumerics", "CertifyTrust"]
        ),
        // The run as a library: plan, runner, journal, statement assembly, re-runs.
        .target(
            name: "CertifyRun",
            dependencies: [
                "CertifyBase", "CertifyBattery", "CertifyNumerics", "CertifyOracle", "CertifyBackends", "CertifyProfiles",
                "CertifyReport", "CertifyTrust",
            ]
        ),
        .target(
            name: "CertifyCommands",
            dependencies: [
                "CertifyBase", "CertifyProfiles", "CertifyNumerics", "CertifyBattery", "CertifyOracle", "CertifyBackends",
                "CertifyReport", "CertifyRun", "CertifyTrust",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "certify", dependencies: ["CertifyCommands"]),
        // scripts/bench-oracle's timer of the oracle's GEMM; not a product.
        .executableTarget(
            name: "certify-oracle-bench", dependencies: ["CertifyBattery", "CertifyOracle"], path: "Sources/OracleBench",
            swiftSettings: oracleFlags
        ),
        .target(
            name: "CertifyBackendSupport",
            dependencies: ["CCertifyBackend"],
            path: "Sources/Backends/support",
            cSettings: backendFlags
        ),
        // Unit tests, one target per module: fast (scripts/test --fast runs only these).
        .testTarget(name: "CertifyBaseTests", dependencies: ["CertifyBase"]),
        .testTarget(
            name: "CertifyProfilesTests", dependencies: ["CertifyProfiles", "CertifyBattery"], resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "CertifyNumericsTests", dependencies: ["CertifyNumerics"]),
        .testTarget(
            name: "CertifyTrustTests",
            dependencies: ["CertifyTrust", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "CertifyBatteryTests", dependencies: ["CertifyBattery", "CertifyNumerics"]),
        .testTarget(name: "CertifyOracleTests", dependencies: ["CertifyOracle", "CertifyBattery", "CertifyNumerics"]),
        .testTarget(name: "CertifyBackendSupportTests", dependencies: ["CertifyBackendSupport"]),
        .testTarget(name: "CertifyBackendsTests", dependencies: ["CertifyBackends", "CertifyBattery"]),
        .testTarget(
            name: "CertifyReportTests",
            dependencies: [
                "CertifyReport", "CertifyBattery", "CertifyNumerics", "CertifyProfiles", "CertifyTrust",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "CertifyRunTests",
            dependencies: [
                "CertifyRun", "CertifyBackends", "CertifyBase", "CertifyBattery", "CertifyNumerics", "CertifyOracle", "CertifyReport",
                "CertifyProfiles",
            ]
        ),
        // The certify binary run as users run it: slow (each test starts processes), so apart.
        .testTarget(
            name: "CertifyEndToEndTests",
            dependencies: [
                "CertifyBase", "CertifyBackends", "CertifyBattery", "CertifyReport", "CertifyProfiles", "CertifyRun", "CertifyTrust",
            ]
        ),
    ] + backends.map {
        .target(
            name: $0.target,
            dependencies: ["CCertifyBackend", "CertifyBackendSupport"],
            path: "Sources/Backends/\($0.folder)",
            publicHeadersPath: ".",
            cSettings: backendFlags
        )
    }
)
