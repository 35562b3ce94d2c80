import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// The fault-injection backend against the worker process: every fault on several kernels.
@Suite struct FaultMatrixTests {
    /// What a fault must leave in the report for each case of the kernel it is planted on.
    struct Expectation: Sendable {
        var outcome: CaseOutcome
        /// A fragment of the case's message (or memory-violation text) that names the fault.
        var names: String
        var exitStatus: Int32
        var memoryViolation = false
    }

    static let expectations: [String: Expectation] = [
        "segfault": Expectation(outcome: .crashed, names: "SIGSEGV in execute", exitStatus: 1),
        "abort": Expectation(outcome: .crashed, names: "SIGABRT in execute", exitStatus: 1),
        "hang": Expectation(outcome: .timedOut, names: "(in execute); the worker's process group was killed", exitStatus: 1),
        "prepare-loop": Expectation(outcome: .timedOut, names: "(in prepare)", exitStatus: 1),
        "oob-write": Expectation(
            outcome: .failed, names: "the backend wrote 16 bytes past the end of output 0's host buffer", exitStatus: 1,
            memoryViolation: true),
        "oob-far": Expectation(
            outcome: .crashed, names: "SIGSEGV: download wrote into the guard page after output 0's host buffer",
            exitStatus: 1, memoryViolation: true),
        "nan": Expectation(outcome: .failed, names: "", exitStatus: 1),
        "wrong": Expectation(outcome: .failed, names: "", exitStatus: 1),
        "huge-alloc": Expectation(outcome: .crashed, names: "SIGSEGV in prepare", exitStatus: 1),
        "exit": Expectation(outcome: .crashed, names: "the worker exited with status 0 in execute", exitStatus: 1),
        "garbage-error": Expectation(outcome: .error, names: "execute failed: INTERNAL: \u{FFFD}", exitStatus: 1),
        "long-error": Expectation(
            outcome: .crashed, names: "SIGSEGV: execute wrote into the guard page after the cb_error message slot",
            exitStatus: 1, memoryViolation: true),
        "chatter": Expectation(outcome: .passed, names: "", exitStatus: 0),
        "lie-capability": Expectation(outcome: .lied, names: "is supported, but prepare failed: UNSUPPORTED", exitStatus: 1),
        "untouched": Expectation(outcome: .lied, names: "never wrote output 0", exitStatus: 1),
        "device-time": Expectation(outcome: .lied, names: "the device timer claims 3600000000 µs", exitStatus: 1),
        "changes-input": Expectation(outcome: .failed, names: "execute changed input 0", exitStatus: 1, memoryViolation: true),
    ]

    static let kernels: [Kernel] = [.gemm, .softmax, .rmsnorm, .silu]

    /// A profile for the faulty backend: the cpu profile's numerics and budgets, a short timed
    /// loop and a one-second case deadline so the hangs stay cheap.
    static func faultyProfile(_ options: [String: String], timeout: String = "1") throws -> String {
        var text = try profile("cpu.yaml", options: options, library: "certify_backend_faulty")
        text = text.replacingOccurrences(of: "  warmup: 3\n  iterations: 25\n", with: "  warmup: 1\n  iterations: 3\n  case_timeout_s: \(timeout)\n")
        return text
    }

    @Test func everyFaultOnEveryKernelIsRecordedAndNothingElseIsDisturbed() throws {
        let combinations = Self.expectations.keys.sorted().flatMap { fault in Self.kernels.map { (fault, $0) } }
        let problems = Problems()
        DispatchQueue.concurrentPerform(iterations: combinations.count) { index in
            let (fault, kernel) = combinations[index]
            do {
                try Self.check(fault: fault, kernel: kernel, problems)
            } catch {
                problems.add("\(fault) on \(kernel.rawValue): \(error)")
            }
        }
        print("fault matrix: \(combinations.count) fault × kernel combinations (\(Self.expectations.count) faults × \(Self.kernels.count) kernels), harness crashes: \(problems.harnessCrashes)")
        #expect(problems.list.isEmpty, "\(problems.list.joined(separator: "\n"))")
        #expect(problems.harnessCrashes == 0)
        #expect(combinations.count == 68)
    }

    /// The faults a process survives, run in-process: the same execution path as the worker's finds
    /// each of them the same way (only guard pages, and surviving a crash, need the worker).
    @Test(arguments: ["untouched", "device-time", "oob-write", "changes-input", "lie-capability", "garbage-error", "wrong", "nan"])
    func inProcessRunsFindTheFaultsAProcessSurvives(fault: String) throws {
        let problems = Problems()
        try Self.check(fault: fault, kernel: .gemm, problems, isolation: "in-process")
        #expect(problems.list.isEmpty, "\(problems.list.joined(separator: "\n"))")
    }

    static func check(fault: String, kernel: Kernel, _ problems: Problems, isolation: String = "worker") throws {
        let expected = try #require(expectations[fault])
        let folder = try TemporaryDirectory()
        let path = try folder.write("faulty.yaml", faultyProfile(["fault.\(kernel.rawValue)": fault]))
        // Every case of the faulted kernel crashes in a row: let them all run and be recorded.
        let result = try CLI.run([
            "--chip", path, "--suite", "quick", "--output", folder.path("report"), "--max-consecutive-crashes", "1000",
            "--isolation", isolation,
        ])
        let label = "\(fault) on \(kernel.rawValue)"
        if result.stderr.contains("Fatal error") || result.status >= 128 {
            problems.harnessCrash("\(label): certify itself died (status \(result.status)): \(result.stderr)")
            return
        }
        if result.status != expected.exitStatus {
            problems.add("\(label): exit status \(result.status), expected \(expected.exitStatus)")
        }
        guard let report = try? Statement.read(folder: folder.url.appendingPathComponent("report")) else {
            problems.add("\(label): no report: \(result.stderr)")
            return
        }
        if report.predicate.cases.map(\.id) != Battery.cases(.quick).map(\.id) {
            problems.add("\(label): the report does not hold every case")
        }
        for c in report.predicate.cases {
            if c.kernel == kernel && (c.shape.contains(0) || c.refusal != nil) {
                // An empty tensor gives most faults nothing to act on, and an invalid op is refused
                // before the faulty kernel runs: any outcome but a harness crash.
                continue
            } else if c.kernel == kernel {
                // A refused variant with flags is an honest "unsupported": query() cannot name flags.
                let flagged = Battery.cases(.quick).first { $0.id == c.id }?.flags ?? 0 != 0
                if fault == "lie-capability" && flagged {
                    if c.outcome != .unsupported { problems.add("\(label): \(c.id) is \(c.outcome.rawValue), expected unsupported") }
                    continue
                }
                if c.outcome != expected.outcome {
                    problems.add("\(label): \(c.id) is \(c.outcome.rawValue), expected \(expected.outcome.rawValue) (\(c.message ?? ""))")
                }
                let text = [c.message, c.memoryViolation].compactMap { $0 }.joined(separator: " | ")
                if !expected.names.isEmpty && !text.contains(expected.names) {
                    problems.add("\(label): \(c.id) does not name the fault: '\(text.prefix(300))'")
                }
                if expected.memoryViolation != (c.memoryViolation != nil) {
                    problems.add("\(label): \(c.id) memory violation \(c.memoryViolation ?? "none")")
                }
                if !result.stdout.contains(c.id) { problems.add("\(label): the summary does not list \(c.id)") }
            } else if c.outcome != .passed || c.memoryViolation != nil {
                problems.add("\(label): unaffected case \(c.id) is \(c.outcome.rawValue): \(c.message ?? "")")
            }
        }
        if expected.memoryViolation {
            // A write outside its buffers costs L1 on these core kernels: as a failed case ("violated
            // memory") or, when it hit a guard page, as a crash that names it.
            let reasons = report.predicate.level.gaps.first { $0.level == .compatible }?.reasons ?? []
            if !reasons.contains(where: { $0.contains("violated memory") || $0.contains("guard page") }) {
                problems.add("\(label): L1 does not name the memory violation")
            }
        }
    }

    @Test func backendIsMarkedUnusableAfterThreeConsecutiveCrashesAndTheRunStillEndsWithAReport() throws {
        let folder = try TemporaryDirectory()
        let options = Dictionary(uniqueKeysWithValues: Self.kernels.map { ("fault.\($0.rawValue)", "segfault") })
        let path = try folder.write("faulty.yaml", Self.faultyProfile(options))
        let result = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        #expect(result.status == 2, "\(result.stderr)")
        let report = try Statement.read(folder: folder.url.appendingPathComponent("report")).predicate
        #expect(report.complete == false)
        // The cases before the first faulted kernel pass; its first three crash; the rest never run.
        let first = try #require(report.cases.firstIndex { $0.outcome != .passed })
        #expect(Self.kernels.contains(report.cases[first].kernel))
        #expect(report.cases[first..<first + 3].allSatisfy { $0.outcome == .crashed })
        #expect(report.cases.dropFirst(first + 3).allSatisfy { $0.outcome == .notRun })
        let reason = "the backend was marked unusable after 3 consecutive crashes or hangs (the last: SIGSEGV in execute)"
        #expect(report.incompleteReason == reason)
        #expect(report.cases.last?.message == reason)
        #expect(result.stdout.contains("INCOMPLETE: \(reason)"))
    }

    @Test func theCrashLimitIsConfigurable() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("faulty.yaml", Self.faultyProfile(["fault.gemm": "abort"]))
        let result = try CLI.run([
            "--chip", path, "--suite", "quick", "--output", folder.path("report"), "--max-consecutive-crashes", "1",
        ])
        #expect(result.status == 2)
        let report = try Statement.read(folder: folder.url.appendingPathComponent("report"))
        #expect(report.predicate.cases.filter { $0.outcome == .crashed }.count == 1)
        #expect(report.predicate.cases.first { $0.outcome == .crashed }?.message == "SIGABRT in execute")
    }

    @Test func pluginOutputGoesToTheWorkerLogNotTheProtocol() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("faulty.yaml", Self.faultyProfile(["fault.silu": "chatter"]))
        let result = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        #expect(result.status == 0, "\(result.stderr)")
        let log = try String(contentsOf: folder.url.appendingPathComponent("report/worker.log"), encoding: .utf8)
        #expect(log.contains("this is the backend writing to stdout"))
        #expect(log.contains("this is the backend writing to stderr"))
        #expect(!result.stdout.contains("this is the backend"))
        #expect(!result.stderr.contains("this is the backend"))
    }

    @Test func inProcessIsolationIsStillAvailableAndRecorded() throws {
        let folder = try TemporaryDirectory()
        let result = try CLI.run([
            "--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", folder.path("report"), "--isolation", "in-process",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try Statement.read(folder: folder.url.appendingPathComponent("report"))
        #expect(report.predicate.run.isolation == "in-process")
        #expect(report.predicate.levelContext.memorySafetyChecked == false)
        #expect(report.predicate.level.gaps.flatMap(\.reasons).contains(
            "memory safety was not checked: the backend ran in-process (--isolation in-process); guard pages need the worker process"))
    }
}

/// Findings collected from concurrent runs.
final class Problems: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var list: [String] = []
    private(set) var harnessCrashes = 0

    func add(_ problem: String) {
        lock.withLock { list.append(problem) }
    }

    func harnessCrash(_ problem: String) {
        lock.withLock {
            harnessCrashes += 1
            list.append(problem)
        }
    }
}
