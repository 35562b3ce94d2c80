internal import CCertifyBackend
import CertifyBattery
import CertifyNumerics
import Foundation

/// Record types of the worker protocol. Every record is `u32 length | u8 type | payload`, length
/// counting the type byte, little-endian; tensors travel in shared memory, never in records.
enum WorkerRecord {
    /// Supervisor → worker: run one case (`GuardedRequest`).
    static let execute = UInt8(ascii: "E")
    /// Worker → supervisor, once: the plugin is loaded; its description and every capability.
    static let ready = UInt8(ascii: "R")
    /// Worker → supervisor, once: the plugin could not be loaded (`BackendError` kind and message).
    static let failed = UInt8(ascii: "F")
    /// Worker → supervisor: a case's outcome.
    static let done = UInt8(ascii: "D")
    /// Worker → supervisor, from the fault handler: a guard page was hit (u32 guard id, u32 phase).
    static let memoryViolation = UInt8(ascii: "M")
}

extension GuardedRequest {
    /// The op travels as the bytes of its `cb_op`: the worker is the same binary, so it hands
    /// prepare() exactly the struct an in-process run would build.
    func encoded() -> [UInt8] {
        var w = WireWriter()
        withUnsafeBytes(of: op) { w.blob(Array($0)) }
        w.int(warmup)
        w.int(iterations)
        w.u64(minTimeNanoseconds)
        w.u64(maxTimeNanoseconds)
        w.bool(flushCaches)
        w.int(soak)
        w.ints(inputCounts)
        w.ints(outputCounts)
        w.int(runs)
        w.bool(secondInputSet)
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(WireReader.Malformed) {
        var r = WireReader(bytes)
        let raw = try r.blob()
        guard raw.count == MemoryLayout<cb_op>.size else { throw WireReader.Malformed() }
        var op = cb_op()
        withUnsafeMutableBytes(of: &op) { $0.copyBytes(from: raw) }
        guard op.struct_size == MemoryLayout<cb_op>.size else { throw WireReader.Malformed() }
        self.init(
            op: op, warmup: try r.int(), iterations: try r.int(), minTimeNanoseconds: try r.u64(),
            maxTimeNanoseconds: try r.u64(), flushCaches: try r.bool(), soak: try r.int(), inputCounts: try r.ints(), outputCounts: try r.ints())
        runs = try r.int()
        guard runs >= 1 else { throw WireReader.Malformed() }
        secondInputSet = try r.bool()
    }
}

/// The worker's answer for one case; outputs are in the shared memory's output regions.
struct GuardedReply {
    var result: Result<GuardedTimings, BackendError>
    /// Canaries found overwritten, in words; empty when none.
    var canaryViolations: [String]
    /// Nanoseconds from reading the request to writing this reply, on the worker's clock.
    var busyNanoseconds: UInt64 = 0

    func encoded() -> [UInt8] {
        var w = WireWriter()
        w.u64(busyNanoseconds)
        switch result {
        case .success(let timings):
            w.bool(true)
            w.u64(timings.firstCallNanoseconds)
            w.u64s(timings.hostSamples)
            w.bool(timings.deviceSamples != nil)
            w.u64s(timings.deviceSamples ?? [])
            w.int(timings.soakMismatches)
        case .failure(let error):
            w.bool(false)
            w.string(error.kind.rawValue)
            w.string(error.message)
        }
        w.u32(UInt32(canaryViolations.count))
        canaryViolations.forEach { w.string($0) }
        return w.bytes
    }

    init(result: Result<GuardedTimings, BackendError>, canaryViolations: [String]) {
        self.result = result
        self.canaryViolations = canaryViolations
    }

    init(decoding bytes: [UInt8]) throws(WireReader.Malformed) {
        var r = WireReader(bytes)
        busyNanoseconds = try r.u64()
        if try r.bool() {
            let first = try r.u64()
            let host = try r.u64s()
            let hasDevice = try r.bool()
            let device = try r.u64s()
            let mismatches = try r.int()
            result = .success(
                GuardedTimings(
                    firstCallNanoseconds: first, hostSamples: host, deviceSamples: hasDevice ? device : nil,
                    soakMismatches: mismatches))
        } else {
            let kind = BackendErrorKind(rawValue: try r.string()) ?? .callFailed
            result = .failure(BackendError(kind, try r.string()))
        }
        var violations: [String] = []
        for _ in 0..<(try r.u32()) { violations.append(try r.string()) }
        canaryViolations = violations
    }
}

/// What the worker says once the plugin is loaded.
struct WorkerReady {
    var description: BackendDescription
    /// Keyed by `WorkerReady.key(kernel, type)`; a failed query keeps its error.
    var capabilities: [String: Result<CapabilityRecord, BackendError>]

    static func key(_ kernel: Kernel, _ type: TensorType) -> String { "\(kernel.rawValue)/\(type.rawValue)" }

    func encoded() throws -> [UInt8] {
        var w = WireWriter()
        w.blob(Array(try JSONEncoder().encode(description)))
        let entries = capabilities.sorted { $0.key < $1.key }
        w.u32(UInt32(entries.count))
        for (key, value) in entries {
            w.string(key)
            switch value {
            case .success(let capability):
                w.bool(true)
                w.blob(Array(try JSONEncoder().encode(capability)))
            case .failure(let error):
                w.bool(false)
                w.string(error.message)
            }
        }
        return w.bytes
    }

    init(description: BackendDescription, capabilities: [String: Result<CapabilityRecord, BackendError>]) {
        self.description = description
        self.capabilities = capabilities
    }

    init(decoding bytes: [UInt8]) throws {
        var r = WireReader(bytes)
        description = try JSONDecoder().decode(BackendDescription.self, from: Data(try r.blob()))
        capabilities = [:]
        for _ in 0..<(try r.u32()) {
            let key = try r.string()
            if try r.bool() {
                capabilities[key] = .success(try JSONDecoder().decode(CapabilityRecord.self, from: Data(try r.blob())))
            } else {
                capabilities[key] = .failure(BackendError(.callFailed, try r.string()))
            }
        }
    }
}
