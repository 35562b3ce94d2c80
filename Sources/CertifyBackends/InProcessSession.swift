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
    package var stagesInputs: Bool { true }
    package let description: BackendDescription
    let library: PluginLibrary
    let backend: OpaquePointer
    /// The host buffers of the case in progress and the cb_error of its calls (in-process runs
    /// only; the worker uses its shared memory and guarded error slot).
    private let host = HostBuffers()

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
        let filled = min(info.struct_size, MemoryLayout<cb_device_info>.size)
        var failure = infoStatus == CB_STATUS_OK ? nil : Self.describe(infoStatus, infoError)
        if failure == nil && filled < Self.deviceInfoSize1_0 {
            failure = "it filled \(info.struct_size) bytes of cb_device_info; ABI 1.0 has \(Self.deviceInfoSize1_0)"
        }
        let ok = failure == nil
        let implementation = Self.covers(filled, \cb_device_info.implementation) ? Self.text(tuple: &info.implementation) : ""
        description = BackendDescription(
            libraryPath: path,
            librarySHA256: library.sha256,
            name: Self.text(api.backend_name),
            version: Self.text(api.backend_version),
            abiVersion: "\(api.abi_major).\(api.abi_minor)",
            deviceName: ok ? Self.text(tuple: &info.name) : "unknown (device_info failed: \(failure ?? ""))",
            deviceVendor: ok ? Self.text(tuple: &info.vendor) : "unknown",
            driverVersion: ok ? Self.text(tuple: &info.driver_version) : "unknown",
            deviceMemoryBytes: ok ? info.memory_bytes : 0,
            hasDeviceTimer: library.hasDeviceTimer,
            implementation: ok && !implementation.isEmpty ? implementation : nil)
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
        let filled = min(capability.struct_size, MemoryLayout<cb_capability>.size)
        guard filled >= Self.capabilitySize1_0 else {
            throw BackendError(
                .callFailed,
                "query(\(kernel.rawValue), \(type.rawValue)) filled \(capability.struct_size) bytes of cb_capability; ABI 1.0 has \(Self.capabilitySize1_0)")
        }
        // A field beyond what the plugin filled is absent: a 1.0 plugin keeps every intermediate
        // in its accumulation type.
        let intermediates = Self.covers(filled, \cb_capability.intermediates) ? capability.intermediates : 0
        return CapabilityRecord(
            supported: capability.supported != 0,
            accumulation: DType(abiValue: capability.accumulation),
            flushesSubnormals: capability.denormals == CB_DENORMALS_FLUSH.rawValue,
            rounding: capability.rounding == CB_ROUNDING_TOWARD_ZERO.rawValue ? .towardZero : .nearestEven,
            intermediates: DType(abiValue: intermediates))
    }

    /// Whether the first `filled` bytes of an output struct hold all of `field` (the ABI's rule:
    /// read no field beyond the struct_size the plugin returned).
    private static func covers<Root, Value>(_ filled: Int, _ field: KeyPath<Root, Value>) -> Bool {
        guard let offset = MemoryLayout<Root>.offset(of: field) else { return false }
        return filled >= offset + MemoryLayout<Value>.size
    }

    /// Runs `request` the way the worker does, on host buffers laid out as in the worker's shared
    /// memory (without its guard pages): one execution path for both isolations, so the two
    /// differ only by the process boundary, and an in-process run also finds untouched outputs,
    /// impossible device times and overwritten canaries.
    package func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        let guarded = GuardedRequest(request)
        let layout = guarded.layout
        guard let base = host.reserve(layout.totalBytes) else {
            throw BackendError(.callFailed, "cannot map \(layout.totalBytes) bytes of host buffers")
        }
        try request.staging.stage { LayoutInputBuffers(layout: layout, set: $0, target: .memory(base)) }
        let started = Clock.nanoseconds()
        let (result, canaryViolations) = executeChecked(guarded, layout: layout, base: base, errorSlot: host.errorSlot) { _ in }
        return try ExecutionOutcome(
            result, canaryViolations: canaryViolations, layout: layout, base: base, request: request,
            elapsed: Clock.nanoseconds() - started)
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

    /// The ABI 1.0 sizes of the output structs, where their first 1.1 field begins
    /// (CB_CAPABILITY_SIZE_1_0 and CB_DEVICE_INFO_SIZE_1_0, which Swift cannot import).
    static let capabilitySize1_0 = MemoryLayout<cb_capability>.offset(of: \.intermediates)!
    static let deviceInfoSize1_0 = MemoryLayout<cb_device_info>.offset(of: \.implementation)!

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

/// Page-aligned host memory kept from case to case and grown (at least twofold) when a case
/// needs more, and the cb_error slot every call reports through.
private final class HostBuffers {
    private var base: UnsafeMutableRawPointer?
    private var bytes = 0
    let errorSlot: UnsafeMutablePointer<cb_error> = {
        let slot = UnsafeMutablePointer<cb_error>.allocate(capacity: 1)
        slot.initialize(to: InProcessSession.emptyError())
        return slot
    }()

    func reserve(_ needed: Int) -> UnsafeMutableRawPointer? {
        if let base, bytes >= needed { return base }
        if let base { munmap(base, bytes) }
        base = nil
        let size = max(needed, 2 * bytes)
        bytes = 0
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapped != MAP_FAILED
        else { return nil }
        (base, bytes) = (mapped, size)
        return mapped
    }

    deinit {
        if let base { munmap(base, bytes) }
        errorSlot.deallocate()
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
        case .attentionVarlen: CB_KERNEL_ATTENTION_VARLEN.rawValue
        case .attentionPaged: CB_KERNEL_ATTENTION_PAGED.rawValue
        case .gemmW4G: CB_KERNEL_GEMM_W4G.rawValue
        case .gemmW8G: CB_KERNEL_GEMM_W8G.rawValue
        case .gemmI8Dequant: CB_KERNEL_GEMM_I8_DEQUANT.rawValue
        }
    }
}

extension TensorType {
    var abiValue: UInt32 {
        switch self {
        case .fp32: CB_DTYPE_F32.rawValue
        case .fp16: CB_DTYPE_F16.rawValue
        case .bf16: CB_DTYPE_BF16.rawValue
        case .int8, .int4, .uint4: CB_DTYPE_I8.rawValue
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
