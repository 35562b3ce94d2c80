internal import CCertifyBackend
internal import CCertifyWorker
import CertifyBattery
import CertifyNumerics

#if canImport(Glibc)
import Glibc
#endif

/// One case as the worker receives it: the op and the sizes of its host buffers.
struct GuardedRequest {
    /// What prepare() receives, built by the supervisor with `InProcessSession.op(for:)`.
    var op: cb_op
    var warmup: Int
    var iterations: Int
    var minTimeNanoseconds: UInt64 = 0
    var maxTimeNanoseconds: UInt64 = 0
    var flushCaches = false
    var soak = 0
    var inputCounts: [Int]
    var outputCounts: [Int]
    /// Independent runs: this one, then `runs - 1` more, each into its own output regions.
    var runs = 1
    /// A second input set (in the `.secondInput` regions) is executed after the timed loop.
    var secondInputSet = false

    /// The shared-memory layout both sides compute for this request.
    var layout: SharedLayout {
        SharedLayout(inputs: inputCounts, outputs: outputCounts, runs: runs, secondSet: secondInputSet)
    }

    /// A further independent run: prepare and one execute, nothing timed.
    var furtherRun: GuardedRequest {
        var once = self
        (once.warmup, once.iterations, once.minTimeNanoseconds, once.maxTimeNanoseconds, once.flushCaches, once.soak, once.runs) =
            (0, 0, 0, 0, false, 0, 1)
        once.secondInputSet = false
        return once
    }
}

extension GuardedRequest {
    /// The guarded form of `request`: its op, counts and sizes; the tensors go into the layout.
    init(_ request: ExecutionRequest) {
        self.init(
            op: InProcessSession.op(for: request.testCase), warmup: request.warmup, iterations: request.iterations,
            minTimeNanoseconds: request.minTimeNanoseconds, maxTimeNanoseconds: request.maxTimeNanoseconds,
            flushCaches: request.flushCaches, soak: request.soak, inputCounts: request.inputByteCounts, outputCounts: request.outputByteCounts, runs: request.runs,
            secondInputSet: request.hasSecondSet)
    }
}

/// The timings of one guarded case; the outputs are in shared memory.
struct GuardedTimings {
    var firstCallNanoseconds: UInt64
    var hostSamples: [UInt64]
    var deviceSamples: [UInt64]?
    var soakMismatches = 0
}

extension InProcessSession {
    /// Runs `request` on its inputs, already in `layout` at `base`: outputs pre-filled with the
    /// sentinel and slack with the canary, every run executed, then the canaries checked. Both
    /// isolations run cases through this; only the memory (shared and guarded, or plain) differs.
    /// The violations are those found in the device buffers, then those in the host buffers.
    func executeChecked(
        _ request: GuardedRequest, layout: SharedLayout, base: UnsafeMutableRawPointer,
        errorSlot: UnsafeMutablePointer<cb_error>, phase: (WorkerPhase) -> Void
    ) -> (result: Result<GuardedTimings, BackendError>, canaryViolations: [String]) {
        layout.prepareCanaries(at: base)
        var violations: [String] = []
        let result: Result<GuardedTimings, BackendError>
        do {
            result = .success(
                try executeRuns(
                    request, layout: layout, base: base, errorSlot: errorSlot, violations: &violations, phase: phase))
        } catch {
            result = .failure(error)
        }
        return (result, violations + layout.canaryViolations(at: base))
    }

    /// Runs every run of `request` (`executeGuarded` for the first, then each further run, each
    /// after the previous released its buffers and plan) and returns the first run's timings.
    private func executeRuns(
        _ request: GuardedRequest, layout: SharedLayout, base: UnsafeMutableRawPointer,
        errorSlot: UnsafeMutablePointer<cb_error>, violations: inout [String], phase: (WorkerPhase) -> Void
    ) throws(BackendError) -> GuardedTimings {
        let timings = try executeGuarded(
            request, layout: layout, base: base, errorSlot: errorSlot, violations: &violations, phase: phase)
        for run in stride(from: 2, through: request.runs, by: 1) {
            let label = "run \(run) of \(request.runs)"
            let found = violations.count
            defer { for index in found..<violations.count { violations[index] = "\(label): \(violations[index])" } }
            do {
                _ = try executeGuarded(
                    request.furtherRun, layout: layout.forRun(run), base: base, errorSlot: errorSlot,
                    violations: &violations, phase: phase)
            } catch {
                throw BackendError(error.kind, "\(label): \(error.message)")
            }
        }
        return timings
    }

    /// Runs one case on host buffers in the guarded shared-memory `layout` at `base`; errors go
    /// through `errorSlot`, a cb_error that ends at a guard page. `phase` is told each call, and
    /// what the device buffers show of the backend's writes out of place is added to `violations`.
    ///
    /// Every device buffer is `SharedLayout.deviceSlack` bytes larger than its tensor and uploaded
    /// whole: inputs with the canary after their data, outputs with the sentinel and then the
    /// canary, so an execute that writes nothing leaves the sentinel to be found. After the first
    /// execute (and after the second input set's) every buffer is downloaded whole: an output's
    /// slack must still hold the canary, and an input must be what was uploaded.
    func executeGuarded(
        _ request: GuardedRequest, layout: SharedLayout, base: UnsafeMutableRawPointer,
        errorSlot: UnsafeMutablePointer<cb_error>, violations: inout [String], phase: (WorkerPhase) -> Void
    ) throws(BackendError) -> GuardedTimings {
        let api = library.api.pointee
        let backend = self.backend
        var buffers: [OpaquePointer] = []
        var plan: OpaquePointer?
        defer {
            phase(.release)
            if let plan { api.release!(backend, plan) }
            for buffer in buffers { api.free!(backend, buffer) }
            phase(.idle)
        }
        func check(_ entry: String, _ current: WorkerPhase, _ call: (UnsafeMutablePointer<cb_error>) -> cb_status)
            throws(BackendError)
        {
            errorSlot.pointee.code = 0
            errorSlot.pointee.message.0 = 0
            phase(current)
            let status = call(errorSlot)
            guard status == CB_STATUS_OK else {
                let kind: BackendErrorKind =
                    switch status {
                    case CB_STATUS_UNSUPPORTED: .unsupported
                    case CB_STATUS_INVALID_ARGUMENT: .invalidArgument
                    default: .callFailed
                    }
                throw BackendError(kind, "\(entry) failed: \(Self.describe(status, errorSlot.pointee))")
            }
        }
        func allocate(_ bytes: Int) throws(BackendError) -> OpaquePointer {
            var buffer: OpaquePointer?
            try check("alloc(\(bytes) bytes)", .alloc) { api.alloc!(backend, bytes, &buffer, $0) }
            guard let buffer else { throw BackendError(.callFailed, "alloc(\(bytes) bytes) returned OK and no buffer") }
            buffers.append(buffer)
            return buffer
        }
        let slack = SharedLayout.deviceSlack
        let regions = layout.regions
        let inputRegions = regions.filter { $0.role == .input }
        let firstRegions = regions.filter { $0.role == .firstOutput }
        let lastRegions = regions.filter { $0.role == .lastOutput }
        guard let scratch = regions.first(where: { $0.role == .scratch }) else {
            preconditionFailure("a shared layout without its scratch region")
        }

        func upload(_ buffer: OpaquePointer?, from region: SharedLayout.Region) throws(BackendError) {
            try check("upload", .upload) { api.upload!(backend, buffer, base + region.offset, region.count + slack, $0) }
        }
        var inputs: [OpaquePointer?] = []
        for region in inputRegions {
            let buffer = try allocate(region.count + slack)
            try upload(buffer, from: region)
            inputs.append(buffer)
        }
        var outputs: [OpaquePointer?] = []
        for region in firstRegions {
            let buffer = try allocate(region.count + slack)
            try upload(buffer, from: region)
            outputs.append(buffer)
        }
        func download(_ into: [SharedLayout.Region]) throws(BackendError) {
            for (buffer, region) in zip(outputs, into) {
                try check("download", .download) { api.download!(backend, buffer, base + region.offset, region.count, $0) }
            }
        }
        /// Records `what` did, unless an earlier execute of the request was seen doing the same.
        func found(_ what: String, _ did: String) {
            if !violations.contains(where: { $0.hasSuffix(did) }) { violations.append("\(what) \(did)") }
        }
        /// Downloads every output whole into `into` and every input whole into the scratch region,
        /// after the execute `what` names, and records what was written where it must not be: an
        /// output's slack, an input's data (`uploaded` holds what it was given) or its slack.
        func downloadChecked(
            _ into: [SharedLayout.Region], inputsFrom uploaded: [SharedLayout.Region], after what: String
        ) throws(BackendError) {
            for (buffer, region) in zip(outputs, into) {
                try check("download", .download) {
                    api.download!(backend, buffer, base + region.offset, region.count + slack, $0)
                }
                let tail = base + region.offset + region.count
                if let written = SharedLayout.overwritten(at: tail, count: slack) {
                    found(
                        what,
                        "wrote \(written) bytes past the end of output \(region.index) inside its own buffer (\(region.count) bytes and \(slack) of slack)")
                    // The host buffer's canary is for writes into host memory: put it back.
                    memset(tail, Int32(SharedLayout.canaryByte), slack)
                }
            }
            for (buffer, region) in zip(inputs, uploaded) {
                try check("download", .download) {
                    api.download!(backend, buffer, base + scratch.offset, region.count + slack, $0)
                }
                if memcmp(base + scratch.offset, base + region.offset, region.count) != 0 {
                    found(what, "changed input \(region.index)")
                }
                if let written = SharedLayout.overwritten(at: base + scratch.offset + region.count, count: slack) {
                    found(
                        what,
                        "wrote \(written) bytes past the end of input \(region.index) inside its own buffer (\(region.count) bytes and \(slack) of slack)")
                }
            }
        }
        func runOnce() throws(BackendError) {
            try check("execute", .execute) { error in
                inputs.withUnsafeBufferPointer { ins in
                    outputs.withUnsafeBufferPointer { outs in
                        api.execute!(backend, plan, ins.baseAddress, ins.count, outs.baseAddress, outs.count, error)
                    }
                }
            }
            try check("synchronize", .synchronize) { api.synchronize!(backend, $0) }
        }

        var op = request.op
        let start = Clock.nanoseconds()
        try check("prepare", .prepare) { api.prepare!(backend, &op, &plan, $0) }
        guard plan != nil else { throw BackendError(.callFailed, "prepare returned OK and no plan") }
        try runOnce()
        let firstCall = Clock.nanoseconds() &- start
        try downloadChecked(firstRegions, inputsFrom: inputRegions, after: "execute")

        let (hostSamples, deviceSamples) = try Measurement.timedLoop(
            warmup: request.warmup, iterations: request.iterations, minTime: request.minTimeNanoseconds,
            maxTime: request.maxTimeNanoseconds, flushCaches: request.flushCaches, execute: runOnce,
            deviceTimer: library.hasDeviceTimer
        ) { () throws(BackendError) -> UInt64 in
            var ns: UInt64 = 0
            try check("last_execute_ns", .timer) { api.last_execute_ns!(backend, plan, &ns, $0) }
            return ns
        }
        if !hostSamples.isEmpty { try download(lastRegions) }
        if request.secondInputSet {
            // The same plan and buffers on new data: a backend that replays what it recorded for
            // these buffers, rather than computing, returns the first set's result.
            let secondInputs = regions.filter { $0.role == .secondInput }
            do {
                for (buffer, region) in zip(inputs, secondInputs) { try upload(buffer, from: region) }
                try runOnce()
                try downloadChecked(
                    regions.filter { $0.role == .secondOutput }, inputsFrom: secondInputs,
                    after: "execute on a second input set")
                // The soak compares with the first execute: it runs on the first set again.
                if request.soak > 0 {
                    for (buffer, region) in zip(inputs, inputRegions) { try upload(buffer, from: region) }
                }
            } catch {
                throw BackendError(error.kind, "on a second input set: \(error.message)")
            }
        }
        // The soak reuses the last-output regions as scratch and leaves the timed loop's last output there.
        var mismatches = 0
        if request.soak > 0 {
            let kept = lastRegions.map { Array(UnsafeRawBufferPointer(start: base + $0.offset, count: $0.count)) }
            for _ in 0..<request.soak {
                try runOnce()
                try download(lastRegions)
                for (first, last) in zip(firstRegions, lastRegions)
                where memcmp(base + first.offset, base + last.offset, first.count) != 0 {
                    mismatches += 1
                    break
                }
            }
            for (region, bytes) in zip(lastRegions, kept) {
                bytes.withUnsafeBytes { raw in
                    if let source = raw.baseAddress { memcpy(base + region.offset, source, raw.count) }
                }
            }
        }
        return GuardedTimings(
            firstCallNanoseconds: firstCall, hostSamples: hostSamples, deviceSamples: deviceSamples,
            soakMismatches: mismatches)
    }
}

/// A cb_error whose end touches a PROT_NONE page: a backend that writes past its message faults.
final class GuardedErrorSlot {
    let slot: UnsafeMutablePointer<cb_error>
    private let base: UnsafeMutableRawPointer
    private let length: Int

    init?() {
        let page = SharedLayout.pageSize
        length = 2 * page
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            mapped != MAP_FAILED
        else { return nil }
        base = mapped
        guard mprotect(mapped + page, page, PROT_NONE) == 0 else { return nil }
        _ = certify_guard_add(mapped + page, page, UInt32(SharedLayout.errorSlotGuard))
        let offset = page - MemoryLayout<cb_error>.stride
        slot = (mapped + offset).bindMemory(to: cb_error.self, capacity: 1)
        slot.pointee.struct_size = MemoryLayout<cb_error>.size
    }

    deinit {
        munmap(base, length)
    }
}

extension ExecutionOutcome {
    /// What a guarded execution left in `layout` at `base`, and what the supervisor finds in it:
    /// outputs still holding the sentinel after a successful execute, device times longer than
    /// the `elapsed` nanoseconds the whole request took on the host's clock, and device times far
    /// below the host's for the same executes (`timerLie`) are lies; a changed canary or input is
    /// a memory violation (an error when the execution failed too).
    init(
        _ result: Result<GuardedTimings, BackendError>, canaryViolations: [String], layout: SharedLayout,
        base: UnsafeMutableRawPointer, request: ExecutionRequest, elapsed: UInt64
    ) throws(BackendError) {
        let memoryViolation = canaryViolations.isEmpty ? nil : canaryViolations.joined(separator: "; ")
        let timings: GuardedTimings
        switch result {
        case .success(let value): timings = value
        case .failure(let error):
            guard let memoryViolation else { throw error }
            throw BackendError(.memoryViolation, "\(error.message); \(memoryViolation)")
        }
        func read(_ regions: [SharedLayout.Region]) -> [[UInt8]] {
            regions.map { Array(UnsafeRawBufferPointer(start: base + $0.offset, count: $0.count)) }
        }
        let firstRegions = layout.regions.filter { $0.role == .firstOutput }
        let first = read(firstRegions)
        self.init(
            firstOutputs: first,
            lastOutputs: timings.hostSamples.isEmpty ? first : read(layout.regions.filter { $0.role == .lastOutput }),
            firstCallNanoseconds: timings.firstCallNanoseconds, hostSamples: timings.hostSamples,
            deviceSamples: timings.deviceSamples)
        for region in layout.regions where region.role == .firstOutput || region.role == .repeatOutput {
            guard region.count > 0, SharedLayout.holdsOnly(SharedLayout.sentinelByte, at: base + region.offset, count: region.count)
            else { continue }
            lies.append(
                "execute returned OK but never wrote \(region.name): all \(region.count) bytes still hold the sentinel 0x\(String(SharedLayout.sentinelByte, radix: 16, uppercase: true))")
        }
        if let device = timings.deviceSamples {
            let longest = Self.longest(device)
            if longest > elapsed {
                lies.append(
                    "the device timer claims \(longest / 1000) µs for one execute, but the whole case took \(elapsed / 1000) µs on the supervisor's clock")
            }
            if let lie = Self.timerLie(host: timings.hostSamples, device: device) { lies.append(lie) }
        }
        soakRuns = request.soak
        soakMismatches = timings.soakMismatches
        self.memoryViolation = memoryViolation
        repeatOutputs = stride(from: 2, through: request.runs, by: 1).map { run in
            read(layout.regions.filter { $0.role == .repeatOutput && $0.run == run })
        }
        if request.hasSecondSet { secondOutputs = read(layout.regions.filter { $0.role == .secondOutput }) }
    }

    /// A host median from which a device timer is held to `timerShareFloor` of it: below it a
    /// synchronous execute of a small kernel on a real device is mostly launch and wait, which its
    /// device timer rightly leaves out.
    package static let timerCheckFloorNanoseconds: UInt64 = 200_000
    /// The least share of the host's median a device timer's median may be, from the floor up.
    package static let timerShareFloor = 0.01

    /// Why the device timer cannot be right about the executes the `host` samples timed on the
    /// host's clock (the same executes, in order); nil when it can. A device time is part of the
    /// call the host timed, so it may be shorter, but not a hundredth of a call of 200 µs or more:
    /// that is a timer in the wrong unit (microseconds for nanoseconds) or one that is not running.
    package static func timerLie(host: [UInt64], device: [UInt64]) -> String? {
        guard !host.isEmpty, device.count == host.count else { return nil }
        // Most cases are far below the floor: a plain count spares them the sorting.
        var atFloor = 0
        host.withUnsafeBufferPointer { buffer in
            for sample in buffer where sample >= timerCheckFloorNanoseconds { atFloor += 1 }
        }
        guard 2 * atFloor >= host.count else { return nil }
        let hostMedian = median(host)
        let deviceMedian = median(device)
        guard hostMedian >= timerCheckFloorNanoseconds, Double(deviceMedian) < timerShareFloor * Double(hostMedian)
        else { return nil }
        let claim = deviceMedian == 0 ? "reports 0 ns" : "claims \(deviceMedian) ns"
        return "the device timer \(claim) per execute (median of \(device.count)), under 1% of the \(hostMedian / 1000) µs the same executes took on the host's clock"
    }

    /// The nearest-rank median, as `LatencyStatistics` reads its p50.
    private static func median(_ samples: [UInt64]) -> UInt64 {
        let sorted = samples.sorted()
        return sorted[(sorted.count + 1) / 2 - 1]
    }

    /// The largest sample, 0 for none. A plain loop: a debug build's generic `max()` costs ~50 ns
    /// per sample, and a short op timed for a minimum time leaves thousands.
    private static func longest(_ samples: [UInt64]) -> UInt64 {
        samples.withUnsafeBufferPointer { buffer in
            var longest: UInt64 = 0
            var index = 0
            while index < buffer.count {
                if buffer[index] > longest { longest = buffer[index] }
                index += 1
            }
            return longest
        }
    }
}
