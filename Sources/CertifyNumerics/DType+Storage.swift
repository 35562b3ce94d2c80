extension DType {
    /// Little-endian storage bytes of `values` rounded to this dtype (nearest-even).
    ///
    /// The result holds `values.count · byteSize` bytes, the layout a backend receives.
    package func encode(_ values: [Double]) -> [UInt8] {
        switch self {
        case .fp32: store(values, as: UInt32.self) { Float($0).bitPattern }
        case .fp16: store(values, as: UInt16.self, Conversions.fp16Bits)
        case .bf16: store(values, as: UInt16.self, Conversions.bf16Bits)
        case .fp64: store(values, as: UInt64.self) { $0.bitPattern }
        }
    }

    /// Little-endian storage bytes of `values` each rounded once to this dtype (nearest-even), a
    /// nonzero result below minNormal stored as +0 when `flushingSubnormals`: the bytes of
    /// `encode(values.map(round))` with those results replaced by 0, from one rounding per
    /// element instead of three, on every core. The battery's streamed inputs are made with it.
    package func encodeRounded(_ values: [Double], flushingSubnormals flush: Bool) -> [UInt8] {
        switch self {
        case .fp32: return storeRounded(values, .fp32, as: UInt32.self, flush: flush)
        case .fp16: return storeRounded(values, .fp16, as: UInt16.self, flush: flush)
        case .bf16: return storeRounded(values, .bf16, as: UInt16.self, flush: flush)
        case .fp64: return store(values, as: UInt64.self) { x in flush && x.isSubnormal ? 0 : x.bitPattern }
        }
    }

    private func storeRounded<Bits: FixedWidthInteger & UnsignedInteger>(
        _ values: [Double], _ format: BinaryFormat, as _: Bits.Type, flush: Bool
    ) -> [UInt8] {
        let sign = Bits(1) << (format.exponentBits + format.fractionBits)
        let smallestNormal = Bits(1) << format.fractionBits
        return store(values, as: Bits.self) { x in
            let bits = Bits(truncatingIfNeeded: format.narrow(x, mode: .nearestEven, flushSubnormals: false))
            let magnitude = bits & ~sign
            return flush && magnitude != 0 && magnitude < smallestNormal ? 0 : bits
        }
    }

    /// Values of little-endian storage bytes; the count must be a multiple of byteSize.
    ///
    /// The bytes need no particular alignment. Widening to Double is exact.
    package func decode(_ bytes: UnsafeRawBufferPointer) -> [Double] {
        precondition(bytes.count % byteSize == 0, "\(bytes.count) bytes is not a whole number of \(rawValue) elements")
        switch self {
        case .fp32: return load(bytes, as: UInt32.self) { Double(Float(bitPattern: $0)) }
        // A finite bf16 value widens exactly through Float (it is a binary32's top half), in a
        // third of the bit-level path's time; ±Inf and NaN take that path, which keeps a NaN's
        // payload.
        case .fp16: return load(bytes, as: UInt16.self) { BinaryFormat.fp16.widen(UInt64($0)) }
        case .bf16:
            return load(bytes, as: UInt16.self) { bits in
                bits & 0x7F80 == 0x7F80 ? BinaryFormat.bf16.widen(UInt64(bits)) : Double(Float(bitPattern: UInt32(bits) << 16))
            }
        case .fp64: return load(bytes, as: UInt64.self) { Double(bitPattern: $0) }
        }
    }

    /// Values of little-endian storage bytes; the count must be a multiple of byteSize.
    package func decode(_ bytes: [UInt8]) -> [Double] {
        bytes.withUnsafeBytes { decode($0) }
    }

    private func store<Bits: FixedWidthInteger>(
        _ values: [Double],
        as _: Bits.Type,
        _ bits: (Double) -> Bits
    ) -> [UInt8] {
        let size = MemoryLayout<Bits>.size
        return [UInt8](unsafeUninitializedCapacity: values.count * size) { buffer, initialized in
            let raw = UncheckedPointer(buffer.baseAddress)
            values.withUnsafeBufferPointer { values in
                // Each element's bytes depend on it alone: chunks of them are encoded on every core.
                Chunks.forEach(values.count) { range in
                    let chunk = UnsafeMutableRawPointer(raw.pointer!)
                    for index in range {
                        chunk.storeBytes(of: bits(values[index]).littleEndian, toByteOffset: index * size, as: Bits.self)
                    }
                }
            }
            initialized = values.count * size
        }
    }

    private func load<Bits: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer,
        as _: Bits.Type,
        _ value: (Bits) -> Double
    ) -> [Double] {
        let size = MemoryLayout<Bits>.size
        let count = bytes.count / size
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                buffer[index] = value(Bits(littleEndian: bytes.loadUnaligned(fromByteOffset: index * size, as: Bits.self)))
            }
            initialized = count
        }
    }
}
