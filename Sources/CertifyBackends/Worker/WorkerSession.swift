import CertifyBattery
import CertifyNumerics
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a plugin in a `certify worker` child process: the default `BackendSession`.
///
/// One round trip per case: the request record carries the op, the tensors go through shared
/// memory. A crash, a hang past the case's deadline, or a write into a guard page ends that
/// worker (its whole process group) and the case; the next case starts a fresh worker. After
/// `maxConsecutiveCrashes` such cases in a row the backend is unusable. The supervisor checks
/// what the plugin claims: outputs still holding the sentinel, and device times longer than the
/// whole round trip on its own clock, are lies.
package final class WorkerSession: BackendSession {
    package var stagesInputs: Bool { true }
    package let description: BackendDescription
    package private(set) var unusableReason: String?
    /// Per answered request (a case's timed run, each further run, a re-measurement), the
    /// supervisor's round trip minus the worker's time on it, nanoseconds: what isolation costs
    /// (pipes, shared-memory copies, scheduling).
    package private(set) var roundTripOverheads: [UInt64] = []

    /// One line on what the process boundary cost: the median overhead per request and the mean
    /// per case over `cases` cases; nil before any request.
    package func overheadSummary(cases: Int) -> String? {
        guard !roundTripOverheads.isEmpty else { return nil }
        let sorted = roundTripOverheads.sorted()
        let perCase = sorted.reduce(0, +) / UInt64(max(cases, 1))
        return "worker round trip: median \(sorted[sorted.count / 2] / 1000) µs of overhead per request over \(sorted.count) requests, \(perCase / 1000) µs per case over \(cases) cases"
    }

    private let executable: String
    private let arguments: [String]
    private let logPath: String?
    private let libraryPath: String
    private let caseTimeoutSeconds: Double?
    private let maxConsecutiveCrashes: Int
    private var consecutiveCrashes = 0
    private var worker: WorkerProcess?
    private var stopped = false
    private let capabilities: [String: Result<CapabilityRecord, BackendError>]

    /// Seconds a worker may take to load the plugin and answer every capability query.
    package static let startupSeconds = 60.0

    /// Starts a worker that loads `path`; throws the worker's own loading error, as
    /// `InProcessSession` would.
    ///
    /// - Parameters:
    ///   - logPath: the file the worker's (the plugin's) stdout and stderr are appended to; nil
    ///     leaves them on certify's stderr.
    ///   - executable: the certify binary to run as `certify worker`; this process's by default.
    package init(
        path: String, expectedSHA256: String?, options: [(key: String, value: String)], logPath: String?,
        caseTimeoutSeconds: Double?, maxConsecutiveCrashes: Int = 3, executable: String? = nil
    ) throws(BackendError) {
        self.executable = executable ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var arguments = ["worker", "--library", path]
        if let expectedSHA256 { arguments += ["--sha256", expectedSHA256] }
        for option in options { arguments += ["--option", "\(option.key)=\(option.value)"] }
        self.arguments = arguments
        self.logPath = logPath
        self.libraryPath = path
        self.caseTimeoutSeconds = caseTimeoutSeconds
        self.maxConsecutiveCrashes = maxConsecutiveCrashes
        let (worker, ready) = try Self.start(executable: self.executable, arguments: arguments, logPath: logPath, library: path)
        self.worker = worker
        description = ready.description
        capabilities = ready.capabilities
    }

    deinit {
        worker?.finish(within: 2)
    }

    package func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord {
        guard let answer = capabilities[WorkerReady.key(kernel, type)] else {
            throw BackendError(.callFailed, "query(\(kernel.rawValue), \(type.rawValue)) was not answered by the worker")
        }
        return try answer.get()
    }

    /// Lets the worker exit now, while the supervisor goes on with its report, rather than when
    /// the session is released; no case may run after this.
    package func stop() {
        stopped = true
        worker?.closeRequests()
    }

    package func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        precondition(!stopped, "a case was run on a stopped worker session")
        if let unusableReason { throw BackendError(.notRun, unusableReason) }
        let worker: WorkerProcess
        if let current = self.worker {
            worker = current
        } else {
            do {
                worker = try Self.start(executable: executable, arguments: arguments, logPath: logPath, library: libraryPath).0
                self.worker = worker
            } catch {
                throw crashed(BackendError(.crashed, "a fresh worker could not start: \(error.message)"))
            }
        }
        let testCase = request.testCase
        let guarded = GuardedRequest(request)
        let layout = guarded.layout
        let base: UnsafeMutableRawPointer
        do {
            base = try worker.shared(bytes: layout.totalBytes)
        } catch {
            throw BackendError(.callFailed, error.message)
        }
        let header = base.bindMemory(to: UInt32.self, capacity: 1)
        header.pointee = WorkerPhase.idle.rawValue
        do {
            try request.staging.stage { LayoutInputBuffers(layout: layout, set: $0, target: .file(worker.memoryFD)) }
        } catch {
            worker.release(bytes: layout.totalBytes)
            throw error
        }

        // The executes after the timed loop: the second input set's, and the soak.
        let after = request.soak + (request.hasSecondSet ? 1 : 0)
        let timeout = CaseDeadline.seconds(
            for: testCase, warmup: request.warmup, iterations: request.iterations + after, runs: request.runs,
            override: caseTimeoutSeconds) + 2 * Double(request.minTimeNanoseconds) / 1e9
        let started = Clock.nanoseconds()
        var deadline = started + UInt64(timeout * 1e9)
        guard worker.send(WorkerRecord.execute, guarded.encoded()) else {
            try lost(worker, header, violation: nil)
        }
        var violation: String?
        while true {
            switch worker.receive(deadline: deadline) {
            case .record(WorkerRecord.done, let payload):
                let elapsed = Clock.nanoseconds() - started
                guard let reply = try? GuardedReply(decoding: payload) else {
                    worker.kill()
                    self.worker = nil
                    throw crashed(BackendError(.crashed, "the worker sent a malformed reply"))
                }
                consecutiveCrashes = 0
                roundTripOverheads.append(elapsed > reply.busyNanoseconds ? elapsed - reply.busyNanoseconds : 0)
                // Once the outputs are copied out the case needs none of the shared memory.
                defer { worker.release(bytes: layout.totalBytes) }
                return try ExecutionOutcome(
                    reply.result, canaryViolations: reply.canaryViolations, layout: layout, base: base, request: request,
                    elapsed: elapsed)
            case .record(WorkerRecord.memoryViolation, let payload):
                var reader = WireReader(payload)
                let id = (try? reader.u32()).map(Int.init) ?? -1
                let phase = (try? reader.u32()).flatMap(WorkerPhase.init(rawValue:)) ?? .idle
                violation = "\(phase.name) wrote into \(layout.guardName(id))"
                // The handler lets the worker die of its signal; wait for that briefly.
                deadline = min(deadline, Clock.nanoseconds() + 5_000_000_000)
            case .record(let type, _):
                worker.kill()
                self.worker = nil
                throw crashed(BackendError(.crashed, "the worker sent an unknown record type \(type)"))
            case .closed:
                try lost(worker, header, violation: violation)
            case .timedOut:
                let phase = WorkerPhase(rawValue: header.pointee)?.name ?? "unknown call"
                worker.kill()
                self.worker = nil
                throw crashed(
                    BackendError(
                        .timedOut,
                        "no answer within the case deadline of \(Self.seconds(timeout)) (in \(phase)); the worker's process group was killed"))
            case .interrupted(let signal):
                worker.kill()
                self.worker = nil
                throw BackendError(.interrupted, "the run was interrupted by \(SignalName.of(signal)) during this case")
            }
        }
    }

    /// The worker closed its pipe mid-case: it crashed, exited, or was killed by a guard-page hit.
    private func lost(_ worker: WorkerProcess, _ header: UnsafeMutablePointer<UInt32>, violation: String?) throws(BackendError) -> Never {
        let phase = WorkerPhase(rawValue: header.pointee)?.name ?? "an unknown call"
        let termination = worker.reap()
        self.worker = nil
        if let violation {
            throw crashed(BackendError(.memoryViolation, "\(termination.description): \(violation)"))
        }
        switch termination {
        case .signaled:
            throw crashed(BackendError(.crashed, "\(termination.description) in \(phase)"))
        case .exited:
            throw crashed(BackendError(.crashed, "\(termination.description) in \(phase), in the middle of the case"))
        }
    }

    /// Counts a crash or hang towards marking the backend unusable and returns `error`.
    private func crashed(_ error: BackendError) -> BackendError {
        consecutiveCrashes += 1
        if consecutiveCrashes >= maxConsecutiveCrashes {
            unusableReason =
                "the backend was marked unusable after \(consecutiveCrashes) consecutive crashes or hangs (the last: \(error.message))"
        }
        return error
    }

    private static func start(
        executable: String, arguments: [String], logPath: String?, library: String
    ) throws(BackendError) -> (WorkerProcess, WorkerReady) {
        let worker: WorkerProcess
        do {
            worker = try WorkerProcess(executable: executable, arguments: arguments, logPath: logPath)
        } catch {
            throw BackendError(.createFailed, "cannot start a worker for backend library '\(library)': \(error.message)")
        }
        let deadline = Clock.nanoseconds() + UInt64(startupSeconds * 1e9)
        switch worker.receive(deadline: deadline) {
        case .record(WorkerRecord.ready, let payload):
            guard let ready = try? WorkerReady(decoding: payload) else {
                worker.kill()
                throw BackendError(.createFailed, "the worker for backend library '\(library)' sent a malformed ready record")
            }
            return (worker, ready)
        case .record(WorkerRecord.failed, let payload):
            var reader = WireReader(payload)
            let kind = (try? reader.string()).flatMap(BackendErrorKind.init(rawValue:)) ?? .createFailed
            let message = (try? reader.string()) ?? "unknown error"
            worker.finish(within: 2)
            throw BackendError(kind, message)
        case .record(let type, _):
            worker.kill()
            throw BackendError(.createFailed, "the worker for backend library '\(library)' sent record type \(type) before it was ready")
        case .closed:
            let termination = worker.reap()
            throw BackendError(
                .createFailed, "backend library '\(library)' took its worker down while loading: \(termination.description)")
        case .timedOut:
            worker.kill()
            throw BackendError(
                .createFailed, "backend library '\(library)' did not finish loading within \(seconds(startupSeconds))")
        case .interrupted(let signal):
            worker.kill()
            throw BackendError(.interrupted, "interrupted by \(SignalName.of(signal)) while the backend was loading")
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
