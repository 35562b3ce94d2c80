import Foundation
import Testing

/// One benchmark script's smoke run: its arguments, and the line of its output the docs quote.
struct BenchmarkSmoke: Sendable, CustomTestStringConvertible {
    var script: String
    var arguments = ["--smoke"]
    /// A regular expression the output must match somewhere (multi-line: ^ and $ are lines).
    var headline: String

    var testDescription: String { "scripts/\(script) \(arguments.joined(separator: " "))" }
}

/// Every benchmark in scripts/ still runs end to end, with its headline figure, against the certify
/// built for these tests (CERTIFY=…, so no script builds anything): a change to the report or the
/// battery cannot silently break the figures the docs quote. One at a time, as each loads the host.
@Suite(.serialized) struct BenchmarkSmokeTests {
    static let bundled = [
        BenchmarkSmoke(script: "bench-battery", headline: #"^quick +\d+ +\d+\.\d+ +\d+\.\d% +\d+\.\d+$"#),
        BenchmarkSmoke(
            script: "bench-gate",
            headline: #"^case-5x +(caught|missed) +\d+ .*\n"# + #"(.*\n)*^false alarms: \d+ of 2 clean pairs\n"#
                + #"(.*\n)*^run and A/B gate: median wall \d+\.\d s over 3 gates = \d+\.\d\dx one run"#
                + #"(.*\n)*^A/B gate / the same invocation's run: median \d+\.\d\dx \(quartiles .*\) over 3 gates$"#),
        BenchmarkSmoke(
            script: "bench-independent-defects", headline: #"^caught 1 of 1 independent defects \(suite quick\)(;.*)?$"#),
        BenchmarkSmoke(script: "bench-isolation", headline: #"^  ratio \(worker / in-process\)  \d+\.\d+  \([+-]\d+\.\d%\)$"#),
        BenchmarkSmoke(script: "bench-latency", headline: #"^gemm\.fp32\.qkv\.2x96x256 +\d+ ns +\d+ ns +\d+\.\d+$"#),
        BenchmarkSmoke(script: "bench-level-stability", headline: #"^cpu +levels L[0-3] : all equal$"#),
    ]

    /// Over OpenBLAS and numpy: the plugin scripts/build-real-backends builds, and numpy with
    /// threadpoolctl (.ci/run installs both).
    static let overOpenBLAS = [
        BenchmarkSmoke(script: "bench-openblas", headline: #"^median ratio certify/numpy over shapes: \d+\.\d+$"#),
        BenchmarkSmoke(
            script: "bench-oracle",
            headline: #"^oracle per core / numpy per core: \d+\.\d+ on \d+ threads?, \d+\.\d+ on 1 thread \(.*\)\n"#
                + #"^certify --chip Profiles/openblas\.yaml --suite quick, cold cache: wall \d+\.\d s, \d+ cases, oracle \d+\.\d s .*, 0 of \d+ from the cache, peak RSS certify \d+ MB, worker \d+ MB \(ru_maxrss \d+ MB\), report\.dsse\.json \d+ KB, cases\.json \d+ KB, latency\.bin \d+ KB, exit \d+\n"#
                + #"^certify --chip Profiles/openblas\.yaml --suite quick, warm cache: .*, (\d+) of \1 from the cache, .*\n"#
                + #"^warm / cold wall: \d+\.\d\d$"#),
    ]

    /// On the Slurm cluster SlurmTests use (bench-shards starts it when none answers and it runs as root).
    static let onSlurm = [
        BenchmarkSmoke(
            script: "bench-shards",
            headline: #"^ratio sharded / unsharded +\d+\.\d{3}\n"#
                + #"^merged report has the unsharded run's verdicts \(every case's outcome, level, tiers\): yes$"#)
    ]

    static let numpyAvailable = (try? Tool.run("python3", ["-c", "import numpy, threadpoolctl"]).status == 0) ?? false

    @Test(arguments: bundled)
    func runs(_ smoke: BenchmarkSmoke) throws {
        try check(smoke)
    }

    @Test(
        .enabled(if: RealLibraryTests.available("openblas"), "the OpenBLAS plugin is not built"),
        .enabled(if: RealLibraryTests.inCI || numpyAvailable, "python3 lacks numpy or threadpoolctl"),
        arguments: overOpenBLAS)
    func runsOverOpenBLAS(_ smoke: BenchmarkSmoke) throws {
        try check(smoke)
    }

    @Test(.enabled(if: SlurmTests.available, "no Slurm cluster answers: scripts/slurm/cluster start (as root) runs one"), arguments: onSlurm)
    func runsOnSlurm(_ smoke: BenchmarkSmoke) throws {
        try check(smoke)
    }

    private func check(_ smoke: BenchmarkSmoke) throws {
        let result = try Tool.run(
            "scripts/\(smoke.script)", smoke.arguments,
            environment: CLI.isolated.merging(["CERTIFY": CLI.executable.path]) { $1 })
        #expect(result.status == 0, "\(smoke.testDescription) exited \(result.status): \(result.stderr.suffix(2000))")
        let headline = try Regex(smoke.headline).anchorsMatchLineEndings()
        #expect(result.stdout.contains(headline), "no line matching \(smoke.headline) in:\n\(result.stdout)")
    }
}
