internal import CCertifyBackend
import CertifyBattery
import CertifyNumerics

#if canImport(Glibc)
import Glibc
#endif

/// Runs a plugin inside this process: the first implementation of `BackendSession`.
///
/// A crash in the plugin takes the harness down with it; the worker-process session removes that.
package final class InProcessSession: BackendSession {
    package let description: BackendDescription
    let library: PluginLibrary
    let backend: OpaquePointer

    /// Loads the plugin at `path` and creates a backend with the profile's options.
    package init(path: String, expectedSHA256: String?, options: [(key: String, value: String)]) throws(BackendError) {
        library = try PluginLibrary(path: path, expectedSHA256: expectedSHA256)
        let api = library.api.pointee
        var error = Self.emptyError()
        var created: OpaquePointer?
        let status = Self.withOptions(options) { pointer, count in
            api.create!(pointer, count, &created, &error)
        }
        guard status == CB_STATUS_OK, let created else {
            throw BackendError(
                .createFailed,
                "backend library '\(path)' failed to create a backend: \(Self.describe(status, error))")
        }
        backend = created
        var info = cb_device_info()
        info.struct_size = MemoryLayout<cb_device_info>.size
        var infoError = Self.emptyError()
        let infoStatus = api.device_info!(created, &info, &infoError)
        let ok = infoStatus == CB_STATUS_OK
        description = BackendDescription(
            libraryPath: path,
            librarySHA256: library.sha256,
            name: Self.text(api.backend_name),
            version: Self.text(api.backend_version),
            abiVersion: "\(api.abi_major).\(api.abi_minor)",
            deviceName: ok ? Self.text(tuple: &info.name) : "unknown (device_info failed: \(Self.describe(infoStatus, infoError)))",
            deviceVendor: ok ? Self.text(tuple: &info.vendor) : "unknown",
            driverVersion: ok ? Self.text(tuple: &info.driver_version) : "unknown",
            deviceMemoryBytes: ok ? info.memory_bytes : 0,
            hasDeviceTimer: library.hasDeviceTimer)
    }

    deinit {
        library.api.pointee.destroy!(backend)
    }

    package func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord {
        var capability = cb_capability()
        capability.struct_size = MemoryLayout<cb_capability>.size
        var error = Self.emptyError()
        let status = library.api.pointee.query!(backend, kernel.abiValue, type.abiValue, &capability, &error)
        guard status == CB_STATUS_OK else {
            throw BackendError(.callFailed, "query(\(kernel.rawValue), \(type.rawValue)) failed: \(Self.describe(status, error))")
        }
        return CapabilityRecord(
            supported: capability.supported != 0,
            accumulation: DType(abiValue: capability.accumulation),
            flushesSubnormals: capability.denormals == CB_DENORMALS_FLUSH.rawValue,
            rounding: capability.rounding == CB_ROUNDING_TOWARD_ZERO.rawValue ? .towardZero : .nearestEven)
    }

    package func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        var outcome = try run(request)
        if request.runs > 1 {
            let once = request.furtherRun
            for _ in 1..<request.runs { outcome.repeatOutputs.append(try run(once).firstOutputs) }
        }
        return outcome
    }

    /// One run of `request`: its buffers and plan are released when it returns.
    private func run(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        let api = library.api.pointee
        let backend = self.backend
        let testCase = request.testCase
        var buffers: [OpaquePointer] = []
        var plan: OpaquePointer?
        defer {
            if let plan { api.release!(backend, plan) }
            for buffer in buffers { api.free!(backend, buffer) }
        }
        // One cb_error for the case, cleared before each call as the worker clears its error slot:
        // zeroing all 528 bytes per call made in-process calls slower than the worker's.
        var error = Self.emptyError()
        func check(_ entry: String, _ call: (inout cb_error) -> cb_status) throws(BackendError) {
            error.code = 0
            error.message.0 = 0
            let status = call(&error)
            guard status == CB_STATUS_OK else {
                let kind: BackendError.Kind = status == CB_STATUS_UNSUPPORTED ? .unsupported : .callFailed
                throw BackendError(kind, "\(entry) failed: \(Self.describe(status, error))")
            }
        }
        func allocate(_ bytes: Int) throws(BackendError) -> OpaquePointer {
            var buffer: OpaquePointer?
            try check("alloc(\(bytes) bytes)") { api.alloc!(backend, bytes, &buffer, &$0) }
            guard let buffer else { throw BackendError(.callFailed, "alloc(\(bytes) bytes) returned OK and no buffer") }
            buffers.append(buffer)
            return buffer
        }
        var inputs: [OpaquePointer?] = []
        for bytes in request.inputs {
            let buffer = try allocate(bytes.count)
            try check("upload") { error in
                bytes.withUnsafeBytes { api.upload!(backend, buffer, $0.baseAddress, $0.count, &error) }
            }
            inputs.append(buffer)
        }
        var output: [OpaquePointer?] = []
        for bytes in request.outputByteCounts {
            output.append(try allocate(bytes))
        }

        func download() throws(BackendError) -> [[UInt8]] {
            var result: [[UInt8]] = []
            for (buffer, count) in zip(output, request.outputByteCounts) {
                var bytes = [UInt8](repeating: 0, count: count)
                try check("download") { error in
                    bytes.withUnsafeMutableBytes { api.download!(backend, buffer, $0.baseAddress, $0.count, &error) }
                }
                result.append(bytes)
            }
            return result
        }
        func runOnce() throws(BackendError) {
            try check("execute") { error in
                inputs.withUnsafeBufferPointer { ins in
                    output.withUnsafeBufferPointer { outs in
                        api.execute!(backend, plan, ins.baseAddress, ins.count, outs.baseAddress, outs.count, &error)
                    }
                }
            }
            try check("synchronize") { api.synchronize!(backend, &$0) }
        }

        var op = Self.op(for: testCase)
        let start = Measurement.now()
        try check("prepare") { api.prepare!(backend, &op, &plan, &$0) }
        guard plan != nil else { throw BackendError(.callFailed, "prepare returned OK and no plan") }
        try runOnce()
        let firstCall = Measurement.now() &- start
        let first = try download()

        let (hostSamples, deviceSamples) = try Measurement.timedLoop(
            warmup: request.warmup, iterations: request.iterations, minTime: request.minTimeNanoseconds,
            flushCaches: request.flushCaches, execute: runOnce,
            deviceTimer: library.hasDeviceTimer
        ) { () throws(BackendError) -> UInt64 in
            var ns: UInt64 = 0
            try check("last_execute_ns") { api.last_execute_ns!(backend, plan, &ns, &$0) }
            return ns
        }
        let last = hostSamples.isEmpty ? first : try download()
        var mismatches = 0
        for _ in 0..<request.soak {
            try runOnce()
            if try download() != first { mismatches += 1 }
        }
        var outcome = ExecutionOutcome(
            firstOutputs: first, lastOutputs: last, firstCallNanoseconds: firstCall,
            hostSamples: hostSamples, deviceSamples: deviceSamples)
        outcome.soakRuns = request.soak
        outcome.soakMismatches = mismatches
        return outcome
    }

    /// The cb_op prepare() receives for `testCase`; the worker builds its ops here too.
    static func op(for testCase: BatteryCase) -> cb_op {
        var op = cb_op()
        op.struct_size = MemoryLayout<cb_op>.size
        op.kernel = testCase.kernel.abiValue
        op.dtype = testCase.opType.abiValue
        op.ndims = UInt32(testCase.shape.count)
        op.flags = testCase.kernel == .convert ? testCase.destination!.abiValue : testCase.flags
        withUnsafeMutableBytes(of: &op.shape) { raw in
            let dims = raw.bindMemory(to: Int64.self)
            for (i, d) in testCase.shape.enumerated() { dims[i] = Int64(d) }
        }
        withUnsafeMutableBytes(of: &op.scalars) { raw in
            let scalars = raw.bindMemory(to: Double.self)
            for (i, s) in testCase.scalars.enumerated() { scalars[i] = s }
        }
        return op
    }

    static func emptyError() -> cb_error {
        var error = cb_error()
        error.struct_size = MemoryLayout<cb_error>.size
        return error
    }

    private static func withOptions<R>(
        _ options: [(key: String, value: String)], _ body: (UnsafePointer<cb_option>?, Int) -> R
    ) -> R {
        let keys = options.map { strdup($0.key) }
        let values = options.map { strdup($0.value) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        let pairs = zip(keys, values).map { cb_option(key: $0, value: $1) }
        return pairs.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
    }

    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: strnlen(pointer, 256)), as: UTF8.self)
    }

    /// A fixed-size C char array read up to its first NUL or its capacity, invalid UTF-8 repaired.
    static func text<T>(tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let end = raw.firstIndex(of: 0) ?? raw.count
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }

    static func describe(_ status: cb_status, _ error: cb_error) -> String {
        var error = error
        let message = text(tuple: &error.message)
        let name = statusName(status)
        return message.isEmpty ? name : "\(name): \(message)"
    }

    private static func statusName(_ status: cb_status) -> String {
        switch status {
        case CB_STATUS_OK: "OK"
        case CB_STATUS_INVALID_ARGUMENT: "INVALID_ARGUMENT"
        case CB_STATUS_UNSUPPORTED: "UNSUPPORTED"
        case CB_STATUS_OUT_OF_MEMORY: "OUT_OF_MEMORY"
        case CB_STATUS_DEVICE_ERROR: "DEVICE_ERROR"
        case CB_STATUS_INTERNAL: "INTERNAL"
        default: "status \(status.rawValue)"
        }
    }
}

extension Kernel {
    var abiValue: UInt32 {
        switch self {
        case .gemm: CB_KERNEL_GEMM.rawValue
        case .gemmBatched: CB_KERNEL_GEMM_BATCHED.rawValue
        case .gemmI8: CB_KERNEL_GEMM_I8.rawValue
        case .gemmW8: CB_KERNEL_GEMM_W8.rawValue
        case .gemmW4: CB_KERNEL_GEMM_W4.rawValue
        case .softmax: CB_KERNEL_SOFTMAX.rawValue
        case .rmsnorm: CB_KERNEL_RMSNORM.rawValue
        case .layernorm: CB_KERNEL_LAYERNORM.rawValue
        case .silu: CB_KERNEL_SILU.rawValue
        case .swiglu: CB_KERNEL_SWIGLU.rawValue
        case .geluErf: CB_KERNEL_GELU_ERF.rawValue
        case .geluTanh: CB_KERNEL_GELU_TANH.rawValue
        case .rope: CB_KERNEL_ROPE.rawValue
        case .attention: CB_KERNEL_ATTENTION.rawValue
        case .embedding: CB_KERNEL_EMBEDDING.rawValue
        case .argmax: CB_KERNEL_ARGMAX.rawValue
        case .topk: CB_KERNEL_TOPK.rawValue
        case .reduceSum: CB_KERNEL_REDUCE_SUM.rawValue
        case .reduceMax: CB_KERNEL_REDUCE_MAX.rawValue
        case .add: CB_KERNEL_ADD.rawValue
        case .convert: CB_KERNEL_CONVERT.rawValue
        }
    }
}

extension TensorType {
    var abiValue: UInt32 {
        switch self {
        case .fp32: CB_DTYPE_F32.rawValue
        case .fp16: CB_DTYPE_F16.rawValue
        case .bf16: CB_DTYPE_BF16.rawValue
        case .int8, .int4: CB_DTYPE_I8.rawValue
        case .int32: CB_DTYPE_I32.rawValue
        }
    }
}

extension DType {
    init?(abiValue: UInt32) {
        switch abiValue {
        case CB_DTYPE_F32.rawValue: self = .fp32
        case CB_DTYPE_F16.rawValue: self = .fp16
        case CB_DTYPE_BF16.rawValue: self = .bf16
        case CB_DTYPE_F64.rawValue: self = .fp64
        default: return nil
        }
    }
}
