import CertifyBackendSupport
import Testing

/// The host emulator the vendor stubs are built on: declared numerics, applied numerics, planted defects.
@Suite struct EmulatorTests {
    static func config(
        denormals: cb_denormals = CB_DENORMALS_PRESERVE, rounding: cb_rounding = CB_ROUNDING_NEAREST_EVEN,
        defect: cbs_defect = CBS_DEFECT_NONE
    ) -> cbs_emu_config {
        cbs_emu_config(
            device_name: nil, vendor: nil, driver_version: nil, denormals: denormals, f16_rounding: rounding,
            bf16_rounding: rounding, defect: defect, device_id: 0)
    }

    /// An emulated device, destroyed with the value.
    final class Device {
        let handle: OpaquePointer

        init(_ config: cbs_emu_config) throws {
            var config = config
            var error = ErrorSlotTests.slot()
            var handle: OpaquePointer?
            let status = cbs_emu_create(&config, &handle, &error)
            guard status == CB_STATUS_OK, let handle else { throw Failure(status: status, message: message(of: &error)) }
            self.handle = handle
        }

        deinit { cbs_emu_destroy(handle) }

        struct Failure: Error {
            let status: cb_status
            let message: String
        }

        func capability(_ kernel: cb_kernel, _ dtype: cb_dtype) -> cb_capability {
            var capability = cb_capability()
            capability.struct_size = MemoryLayout<cb_capability>.size
            var error = ErrorSlotTests.slot()
            #expect(cbs_emu_query(handle, kernel.rawValue, dtype.rawValue, &capability, &error) == CB_STATUS_OK)
            return capability
        }

        /// Runs one op on raw tensors and returns the output's bytes.
        func run(
            _ kernel: cb_kernel, _ dtype: cb_dtype, shape: [Int64], flags: UInt32 = 0, inputs: [[UInt8]],
            outputBytes: Int
        ) throws -> [UInt8] {
            var error = ErrorSlotTests.slot()
            func check(_ status: cb_status) throws {
                guard status == CB_STATUS_OK else { throw Failure(status: status, message: message(of: &error)) }
            }
            var op = cb_op()
            op.struct_size = MemoryLayout<cb_op>.size
            op.kernel = kernel.rawValue
            op.dtype = dtype.rawValue
            op.ndims = UInt32(shape.count)
            op.flags = flags
            withUnsafeMutableBytes(of: &op.shape) { raw in
                for (i, dim) in shape.enumerated() { raw.storeBytes(of: dim, toByteOffset: i * 8, as: Int64.self) }
            }
            var plan: OpaquePointer?
            try check(cbs_emu_prepare(handle, &op, &plan, &error))
            defer { cbs_emu_release(handle, plan) }

            var buffers: [OpaquePointer?] = []
            defer { buffers.forEach { cbs_emu_free(handle, $0) } }
            for bytes in inputs + [[UInt8](repeating: 0, count: outputBytes)] {
                var buffer: OpaquePointer?
                try check(cbs_emu_alloc(handle, bytes.count, &buffer, &error))
                buffers.append(buffer)
                try check(cbs_emu_upload(handle, buffer, bytes, bytes.count, &error))
            }
            let inputBuffers = Array(buffers.dropLast())
            let outputBuffers = [buffers.last!]
            try check(cbs_emu_execute(handle, plan, inputBuffers, inputBuffers.count, outputBuffers, 1, &error))
            try check(cbs_emu_synchronize(handle, &error))
            var output = [UInt8](repeating: 0, count: outputBytes)
            try check(cbs_emu_download(handle, buffers.last!, &output, outputBytes, &error))
            return output
        }
    }

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }
    static func halves(_ bytes: [UInt8]) -> [UInt16] { bytes.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) } }
    static func floats(_ bytes: [UInt8]) -> [Float] { bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }

    @Test func declaresItsNumericsButNeverItsDefect() throws {
        let device = try Device(Self.config(denormals: CB_DENORMALS_FLUSH, rounding: CB_ROUNDING_TOWARD_ZERO,
                                            defect: CBS_DEFECT_FP16_ACCUMULATION))
        let half = device.capability(CB_KERNEL_GEMM, CB_DTYPE_F16)
        #expect(half.struct_size == MemoryLayout<cb_capability>.size)
        #expect(half.supported == 1)
        #expect(half.accumulation == CB_DTYPE_F32.rawValue)
        #expect(half.denormals == CB_DENORMALS_FLUSH.rawValue)
        #expect(half.rounding == CB_ROUNDING_TOWARD_ZERO.rawValue)
        #expect(device.capability(CB_KERNEL_GEMM, CB_DTYPE_F32).rounding == CB_ROUNDING_NEAREST_EVEN.rawValue)
        #expect(device.capability(CB_KERNEL_SILU, CB_DTYPE_F64).supported == 0)
        #expect(device.capability(cb_kernel(rawValue: 99), CB_DTYPE_F32).supported == 0)
    }

    @Test func roundsStoredResultsAsConfigured() throws {
        // 1 + 3·2^-12 lies 0.75 of an fp16 ulp above 1: nearest-even rounds up, truncation down.
        let a = Self.bytes([cbs_f32_to_f16(1), cbs_f32_to_f16(1)])
        let b = Self.bytes([cbs_f32_to_f16(1), cbs_f32_to_f16(3 * 0x1p-12)])
        let nearest = try Device(Self.config()).run(CB_KERNEL_GEMM, CB_DTYPE_F16, shape: [1, 1, 2], inputs: [a, b],
                                                    outputBytes: 2)
        let truncated = try Device(Self.config(rounding: CB_ROUNDING_TOWARD_ZERO))
            .run(CB_KERNEL_GEMM, CB_DTYPE_F16, shape: [1, 1, 2], inputs: [a, b], outputBytes: 2)
        #expect(Self.halves(nearest) == [0x3c01])
        #expect(Self.halves(truncated) == [0x3c00])
    }

    @Test func flushesSubnormalInputsWhenConfigured() throws {
        // silu(x) ≈ x/2 for tiny x: a subnormal result, unless the input was flushed to zero.
        let x = Self.bytes([Float(bitPattern: 0x0000_1000)])
        let preserved = try Device(Self.config()).run(CB_KERNEL_SILU, CB_DTYPE_F32, shape: [1], inputs: [x],
                                                      outputBytes: 4)
        let flushed = try Device(Self.config(denormals: CB_DENORMALS_FLUSH))
            .run(CB_KERNEL_SILU, CB_DTYPE_F32, shape: [1], inputs: [x], outputBytes: 4)
        #expect(Self.floats(preserved)[0].bitPattern == 0x0000_0800)
        #expect(Self.floats(flushed)[0].bitPattern == 0)
    }

    @Test func fp16AccumulationDefectStallsALongSum() throws {
        // Σ 1·1 over K = 4096 is exact in fp32; an fp16 running sum stops at 2048, where 2048 + 1 rounds back.
        let ones = Self.bytes([UInt16](repeating: cbs_f32_to_f16(1), count: 4096))
        let shape: [Int64] = [1, 1, 4096]
        let correct = try Device(Self.config()).run(CB_KERNEL_GEMM, CB_DTYPE_F16, shape: shape, inputs: [ones, ones],
                                                    outputBytes: 2)
        let defective = try Device(Self.config(defect: CBS_DEFECT_FP16_ACCUMULATION))
            .run(CB_KERNEL_GEMM, CB_DTYPE_F16, shape: shape, inputs: [ones, ones], outputBytes: 2)
        #expect(cbs_f16_to_f32(Self.halves(correct)[0]) == 4096)
        #expect(cbs_f16_to_f32(Self.halves(defective)[0]) == 2048)
    }

    @Test func softmaxMasksEntriesAndZeroesFullyMaskedRows() throws {
        // 2×3, causal: row 0 keeps columns j ≤ 0 + (3 − 2), dropping the 5; the mask drops all of row 1.
        let x = Self.bytes([Float(0), 0, 5, 1, 2, 3])
        let mask = Self.bytes([Int8(1), 1, 1, 0, 0, 0])
        let y = try Device(Self.config()).run(
            CB_KERNEL_SOFTMAX, CB_DTYPE_F32, shape: [2, 3], flags: CB_SOFTMAX_CAUSAL | CB_SOFTMAX_MASK,
            inputs: [x, mask], outputBytes: 24)
        #expect(Self.floats(y) == [0.5, 0.5, 0, 0, 0, 0])
    }

    @Test func rejectsBuffersTooSmallForTheShape() throws {
        let device = try Device(Self.config())
        #expect {
            try device.run(CB_KERNEL_SOFTMAX, CB_DTYPE_F32, shape: [2, 3], inputs: [[UInt8](repeating: 0, count: 20)],
                           outputBytes: 24)
        } throws: { error in
            guard let failure = error as? Device.Failure else { return false }
            return failure.status == CB_STATUS_INVALID_ARGUMENT
                && failure.message == "SOFTMAX input 0 holds 20 bytes; the shape needs 24"
        }
    }
}
