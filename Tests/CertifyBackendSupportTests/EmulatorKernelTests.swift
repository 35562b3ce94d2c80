import CertifyBackendSupport
import Testing

/// The battery v1 kernels of the host emulator: declared gaps, exact integer paths, masked rows, ties,
/// and the defect switch the `defective` plugin exposes.
@Suite struct EmulatorKernelTests {
    typealias Device = EmulatorTests.Device

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
    static func int32s(_ bytes: [UInt8]) -> [Int32] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) } }
    static func floats(_ bytes: [UInt8]) -> [Float] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }

    @Test func declaredGapsAreUnsupportedInQueryAndPrepare() throws {
        var config = EmulatorTests.config()
        var gap = cbs_emu_gap(kernel: CB_KERNEL_GEMM_W4.rawValue, dtype: 0)
        var error = ErrorSlotTests.slot()
        var handle: OpaquePointer?
        #expect(cbs_emu_create_limited(&config, &gap, 1, &handle, &error) == CB_STATUS_OK)
        defer { cbs_emu_destroy(handle) }
        var capability = cb_capability()
        capability.struct_size = MemoryLayout<cb_capability>.size
        #expect(cbs_emu_query(handle, CB_KERNEL_GEMM_W4.rawValue, CB_DTYPE_F16.rawValue, &capability, &error) == CB_STATUS_OK)
        #expect(capability.supported == 0)
        #expect(cbs_emu_query(handle, CB_KERNEL_GEMM_W8.rawValue, CB_DTYPE_F16.rawValue, &capability, &error) == CB_STATUS_OK)
        #expect(capability.supported == 1)
        var op = cb_op()
        op.struct_size = MemoryLayout<cb_op>.size
        op.kernel = CB_KERNEL_GEMM_W4.rawValue
        op.dtype = CB_DTYPE_F16.rawValue
        op.ndims = 3
        op.shape = (1, 2, 2, 0, 0, 0, 0, 0)
        var plan: OpaquePointer?
        #expect(cbs_emu_prepare(handle, &op, &plan, &error) == CB_STATUS_UNSUPPORTED)
        #expect(message(of: &error) == "GEMM_W4 in F16 is not available on this chip")
    }

    @Test func int8GemmIsExactInInt32AndDeclaresIt() throws {
        let device = try Device(EmulatorTests.config())
        #expect(device.capability(CB_KERNEL_GEMM_I8, CB_DTYPE_I8).accumulation == CB_DTYPE_I32.rawValue)
        let a = Self.bytes([Int8(-128), -128])
        let c = try device.run(CB_KERNEL_GEMM_I8, CB_DTYPE_I8, shape: [1, 1, 2], inputs: [a, a], outputBytes: 4)
        #expect(Self.int32s(c) == [32768])
        let wrapping = try Device(EmulatorTests.config(defect: CBS_DEFECT_I8_INT16_ACCUMULATION))
        let wrapped = try wrapping.run(CB_KERNEL_GEMM_I8, CB_DTYPE_I8, shape: [1, 1, 2], inputs: [a, a], outputBytes: 4)
        #expect(Self.int32s(wrapped) == [-32768])
    }

    @Test func fullyMaskedSoftmaxRowIsZeros() throws {
        let x = Self.bytes([Float(1), 2, 3, 4])
        let mask = Self.bytes([Int8(0), 0, 1, 0])
        func run(_ defect: cbs_defect) throws -> [Float] {
            let device = try Device(EmulatorTests.config(defect: defect))
            return Self.floats(
                try device.run(CB_KERNEL_SOFTMAX, CB_DTYPE_F32, shape: [2, 2], inputs: [x, mask], outputBytes: 16,
                               flags: CB_SOFTMAX_MASK))
        }
        #expect(try run(CBS_DEFECT_NONE) == [0, 0, 1, 0])
        let broken = try run(CBS_DEFECT_SOFTMAX_MASKED_ROW_NAN)
        #expect(broken[0].isNaN && broken[1].isNaN)
    }

    @Test func topkBreaksTiesByTheLowerIndex() throws {
        let x = Self.bytes([Float(1), 5, 5, .nan, 5])
        let device = try Device(EmulatorTests.config())
        let outputs = try device.runTwo(CB_KERNEL_TOPK, CB_DTYPE_F32, shape: [1, 5, 3], input: x, outputBytes: (12, 12))
        #expect(Self.int32s(outputs.1) == [3, 1, 2])
    }

    @Test func everyDefectHasOneKebabCaseName() {
        let names = Mirror(reflecting: cbs_defect_names).children.map { String(cString: $0.value as! UnsafePointer<CChar>) }
        #expect(names.count == Int(CBS_DEFECT_COUNT.rawValue))
        #expect(names.count - 1 >= 25)
        #expect(names.first == "none")
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } })
    }
}

extension EmulatorTests.Device {
    /// `run` with op flags.
    func run(_ kernel: cb_kernel, _ dtype: cb_dtype, shape: [Int64], inputs: [[UInt8]], outputBytes: Int, flags: UInt32)
        throws -> [UInt8]
    {
        try execute(kernel, dtype, shape: shape, flags: flags, inputs: inputs, outputBytes: [outputBytes])[0]
    }

    /// One input, two outputs (TOPK).
    func runTwo(_ kernel: cb_kernel, _ dtype: cb_dtype, shape: [Int64], input: [UInt8], outputBytes: (Int, Int))
        throws -> ([UInt8], [UInt8])
    {
        let outputs = try execute(kernel, dtype, shape: shape, flags: 0, inputs: [input],
                                  outputBytes: [outputBytes.0, outputBytes.1])
        return (outputs[0], outputs[1])
    }

    private func execute(_ kernel: cb_kernel, _ dtype: cb_dtype, shape: [Int64], flags: UInt32, inputs: [[UInt8]],
                         outputBytes: [Int]) throws -> [[UInt8]]
    {
        var error = ErrorSlotTests.slot()
        func check(_ status: cb_status) throws {
            guard status == CB_STATUS_OK else { throw Failure(status: status, message: message(of: &error)) }
        }
        var op = cb_op()
        op.struct_size = MemoryLayout<cb_op>.size
        op.kernel = kernel.rawValue
        op.dtype = dtype.rawValue
        op.flags = flags
        op.ndims = UInt32(shape.count)
        withUnsafeMutableBytes(of: &op.shape) { raw in
            for (i, dim) in shape.enumerated() { raw.storeBytes(of: dim, toByteOffset: i * 8, as: Int64.self) }
        }
        var plan: OpaquePointer?
        try check(cbs_emu_prepare(handle, &op, &plan, &error))
        defer { cbs_emu_release(handle, plan) }
        var inputBuffers: [OpaquePointer?] = []
        var outputBuffers: [OpaquePointer?] = []
        defer { (inputBuffers + outputBuffers).forEach { cbs_emu_free(handle, $0) } }
        for bytes in inputs {
            var buffer: OpaquePointer?
            try check(cbs_emu_alloc(handle, bytes.count, &buffer, &error))
            inputBuffers.append(buffer)
            try check(cbs_emu_upload(handle, buffer, bytes, bytes.count, &error))
        }
        for count in outputBytes {
            var buffer: OpaquePointer?
            try check(cbs_emu_alloc(handle, count, &buffer, &error))
            outputBuffers.append(buffer)
        }
        try check(cbs_emu_execute(handle, plan, inputBuffers, inputBuffers.count, outputBuffers, outputBuffers.count,
                                  &error))
        return try zip(outputBuffers, outputBytes).map { buffer, count in
            var output = [UInt8](repeating: 0, count: count)
            try check(cbs_emu_download(handle, buffer, &output, count, &error))
            return output
        }
    }
}
