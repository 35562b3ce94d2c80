import CertifyBackendSupport
import Testing

/// query() and device_info() fill the caller's struct only as far as its struct_size, and say
/// how far they filled (certify_backend.h, "Output structs"): the emulator every stub shares, whose
/// answers go through cbs_put_capability and cbs_put_device_info.
@Suite struct OutputStructTests {
    static let canary: UInt8 = 0xA5
    static let capabilitySize1_0 = MemoryLayout<cb_capability>.offset(of: \.intermediates)!
    static let deviceInfoSize1_0 = MemoryLayout<cb_device_info>.offset(of: \.implementation)!

    /// The bytes of a `bytes`-long struct buffer, filled with the canary and with `structSize` as
    /// its struct_size, after `fill` wrote into it; and fill's status.
    static func call(bytes: Int, structSize: Int, _ fill: (UnsafeMutableRawPointer) -> cb_status) -> (cb_status, [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: canary, count: bytes)
        buffer.storeBytes(of: structSize, as: Int.self)
        let status = fill(buffer)
        return (status, Array(UnsafeRawBufferPointer(start: buffer, count: bytes)))
    }

    static func structSize(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
    }

    static func query(_ device: EmulatorTests.Device, structSize: Int, bytes: Int) -> (cb_status, [UInt8], String) {
        var error = ErrorSlotTests.slot()
        let (status, written) = call(bytes: bytes, structSize: structSize) { out in
            cbs_emu_query(
                device.handle, CB_KERNEL_SOFTMAX.rawValue, CB_DTYPE_BF16.rawValue, out.assumingMemoryBound(to: cb_capability.self),
                &error)
        }
        return (status, written, message(of: &error))
    }

    static func deviceInfo(_ device: EmulatorTests.Device, structSize: Int, bytes: Int) -> (cb_status, [UInt8], String) {
        var error = ErrorSlotTests.slot()
        let (status, written) = call(bytes: bytes, structSize: structSize) { out in
            cbs_emu_device_info(device.handle, out.assumingMemoryBound(to: cb_device_info.self), &error)
        }
        return (status, written, message(of: &error))
    }

    @Test func aCallerOfABI1_0GetsExactlyThe1_0Capability() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let size = MemoryLayout<cb_capability>.size
        let (status, written, _) = Self.query(device, structSize: Self.capabilitySize1_0, bytes: size + 16)
        #expect(status == CB_STATUS_OK)
        #expect(Self.structSize(written) == Self.capabilitySize1_0)
        #expect(written[Self.capabilitySize1_0...].allSatisfy { $0 == Self.canary })
        let supported = written.withUnsafeBytes { $0.load(fromByteOffset: MemoryLayout<cb_capability>.offset(of: \.supported)!, as: UInt32.self) }
        #expect(supported == 1)
    }

    @Test func aCallerOfABI1_1GetsIntermediatesAndNothingMore() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let size = MemoryLayout<cb_capability>.size
        // A newer harness's larger struct: the plugin fills what it knows and says so.
        let (status, written, _) = Self.query(device, structSize: size + 8, bytes: size + 16)
        #expect(status == CB_STATUS_OK)
        #expect(Self.structSize(written) == size)
        #expect(written[size...].allSatisfy { $0 == Self.canary })
        let intermediates = written.withUnsafeBytes {
            $0.load(fromByteOffset: MemoryLayout<cb_capability>.offset(of: \.intermediates)!, as: UInt32.self)
        }
        #expect(intermediates == 0)
    }

    @Test func aCapabilitySmallerThanABI1_0IsRefusedUntouched() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let (status, written, text) = Self.query(device, structSize: 16, bytes: MemoryLayout<cb_capability>.size)
        #expect(status == CB_STATUS_INVALID_ARGUMENT)
        #expect(text == "cb_capability struct_size 16 is smaller than the ABI 1.0 cb_capability (24 bytes)")
        #expect(Self.structSize(written) == 16)
        #expect(written[MemoryLayout<Int>.size...].allSatisfy { $0 == Self.canary })
    }

    @Test func aCallerOfABI1_0GetsNoImplementation() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let size = MemoryLayout<cb_device_info>.size
        let (status, written, _) = Self.deviceInfo(device, structSize: Self.deviceInfoSize1_0, bytes: size + 16)
        #expect(status == CB_STATUS_OK)
        #expect(Self.structSize(written) == Self.deviceInfoSize1_0)
        #expect(written[Self.deviceInfoSize1_0...].allSatisfy { $0 == Self.canary })
    }

    @Test func aCallerOfABI1_1GetsTheImplementation() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let size = MemoryLayout<cb_device_info>.size
        let (status, written, _) = Self.deviceInfo(device, structSize: size, bytes: size + 16)
        #expect(status == CB_STATUS_OK)
        #expect(Self.structSize(written) == size)
        #expect(written[size...].allSatisfy { $0 == Self.canary })
        let field = written[Self.deviceInfoSize1_0..<size]
        #expect(String(decoding: field.prefix { $0 != 0 }, as: UTF8.self) == "portable C")
    }

    @Test func aDeviceInfoSmallerThanABI1_0IsRefusedUntouched() throws {
        let device = try EmulatorTests.Device(EmulatorTests.config())
        let (status, written, text) = Self.deviceInfo(device, structSize: 399, bytes: MemoryLayout<cb_device_info>.size)
        #expect(status == CB_STATUS_INVALID_ARGUMENT)
        #expect(text == "cb_device_info struct_size 399 is smaller than the ABI 1.0 cb_device_info (400 bytes)")
        #expect(written[MemoryLayout<Int>.size...].allSatisfy { $0 == Self.canary })
    }
}
