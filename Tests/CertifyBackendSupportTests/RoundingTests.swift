import CertifyBackendSupport
import Testing

/// Round-toward-zero narrowing, subnormal flushing and tensor element access, on hand-worked values.
@Suite struct RoundingTests {
    /// A binary32 pattern and what each rounding must make of it.
    struct Case: CustomTestStringConvertible, Sendable {
        let fp32: UInt32
        let towardZero: UInt16
        let nearestEven: UInt16
        let why: String
        var testDescription: String { "\(hex(fp32)): \(why)" }
    }

    static let halfCases: [Case] = [
        Case(fp32: 0x3f80_0000, towardZero: 0x3c00, nearestEven: 0x3c00, why: "1.0 is exact"),
        // 1 + (2^13 - 1)·2^-23: the 13 dropped bits are all ones, just under one fp16 ulp (2^-10).
        Case(fp32: 0x3f80_1fff, towardZero: 0x3c00, nearestEven: 0x3c01, why: "just under 1 + 2^-10"),
        Case(fp32: 0xbf80_1fff, towardZero: 0xbc00, nearestEven: 0xbc01, why: "negative: toward zero is up"),
        // 0.3 = 0x3e99999a: rebased mantissa 0x34cc with dropped bits 0x199a > half (0x1000).
        Case(fp32: 0x3e99_999a, towardZero: 0x34cc, nearestEven: 0x34cd, why: "0.3"),
        Case(fp32: 0x477f_e000, towardZero: 0x7bff, nearestEven: 0x7bff, why: "65504, the largest fp16"),
        // 65520 is halfway from 65504 to 2^16: nearest-even goes to Inf, truncation stays finite.
        Case(fp32: 0x477f_f000, towardZero: 0x7bff, nearestEven: 0x7c00, why: "65520"),
        Case(fp32: 0x501502f9, towardZero: 0x7bff, nearestEven: 0x7c00, why: "1e10 overflows"),
        Case(fp32: 0xff7f_ffff, towardZero: 0xfbff, nearestEven: 0xfc00, why: "-FLT_MAX"),
        Case(fp32: 0x7f80_0000, towardZero: 0x7c00, nearestEven: 0x7c00, why: "+Inf stays Inf"),
        Case(fp32: 0xff80_0000, towardZero: 0xfc00, nearestEven: 0xfc00, why: "-Inf stays Inf"),
        Case(fp32: 0x8000_0000, towardZero: 0x8000, nearestEven: 0x8000, why: "-0"),
        Case(fp32: 0x3380_0000, towardZero: 0x0001, nearestEven: 0x0001, why: "2^-24, the smallest fp16"),
        // (2 - 2^-23)·2^-24 is 1.99… fp16 subnormal units.
        Case(fp32: 0x33ff_ffff, towardZero: 0x0001, nearestEven: 0x0002, why: "just under 2^-23"),
        // Just under 2^-24 but above 2^-25: nearest is one unit, truncation is zero.
        Case(fp32: 0x337f_ffff, towardZero: 0x0000, nearestEven: 0x0001, why: "just under 2^-24"),
        Case(fp32: 0x387f_ffff, towardZero: 0x03ff, nearestEven: 0x0400, why: "just under 2^-14, the smallest normal"),
        Case(fp32: 0x0000_0001, towardZero: 0x0000, nearestEven: 0x0000, why: "binary32 subnormal"),
    ]

    static let bfloatCases: [Case] = [
        Case(fp32: 0x3f80_0000, towardZero: 0x3f80, nearestEven: 0x3f80, why: "1.0 is exact"),
        Case(fp32: 0x3f80_ffff, towardZero: 0x3f80, nearestEven: 0x3f81, why: "dropped half is all ones"),
        Case(fp32: 0xbf80_ffff, towardZero: 0xbf80, nearestEven: 0xbf81, why: "negative: toward zero is up"),
        Case(fp32: 0x3f80_8000, towardZero: 0x3f80, nearestEven: 0x3f80, why: "tie, kept part even"),
        Case(fp32: 0x3f81_8000, towardZero: 0x3f81, nearestEven: 0x3f82, why: "tie, kept part odd"),
        Case(fp32: 0x7f7f_ffff, towardZero: 0x7f7f, nearestEven: 0x7f80, why: "FLT_MAX: truncation stays finite"),
        Case(fp32: 0x7f80_0000, towardZero: 0x7f80, nearestEven: 0x7f80, why: "+Inf"),
        Case(fp32: 0x0001_ffff, towardZero: 0x0001, nearestEven: 0x0002, why: "subnormal"),
        Case(fp32: 0x0000_7fff, towardZero: 0x0000, nearestEven: 0x0000, why: "below half the smallest bf16"),
        Case(fp32: 0x8000_0000, towardZero: 0x8000, nearestEven: 0x8000, why: "-0"),
    ]

    @Test(arguments: halfCases) func narrowsToBinary16(_ c: Case) {
        #expect(hex(cbs_f32_to_f16_rtz(Float(bitPattern: c.fp32))) == hex(c.towardZero))
        #expect(hex(cbs_f32_to_f16(Float(bitPattern: c.fp32))) == hex(c.nearestEven))
    }

    @Test(arguments: bfloatCases) func narrowsToBfloat16(_ c: Case) {
        #expect(hex(cbs_f32_to_bf16_rtz(Float(bitPattern: c.fp32))) == hex(c.towardZero))
        #expect(hex(cbs_f32_to_bf16(Float(bitPattern: c.fp32))) == hex(c.nearestEven))
    }

    @Test(arguments: [UInt32(0x7f80_0001), 0xffc0_0000, 0x7fbf_ffff])
    func truncationKeepsNaNQuietAndSigned(_ bits: UInt32) {
        let sign = UInt16(bits >> 16) & 0x8000
        let half = cbs_f32_to_f16_rtz(Float(bitPattern: bits))
        let bfloat = cbs_f32_to_bf16_rtz(Float(bitPattern: bits))
        #expect(half & 0x7e00 == 0x7e00 && half & 0x8000 == sign)
        #expect(bfloat & 0x7fc0 == 0x7fc0 && bfloat & 0x8000 == sign)
    }

    @Test func flushesSubnormalsToSignedZero() {
        #expect(cbs_flush_f16(0x0001) == 0x0000)
        #expect(cbs_flush_f16(0x83ff) == 0x8000)
        #expect(cbs_flush_f16(0x0400) == 0x0400)
        #expect(cbs_flush_f16(0x7e00) == 0x7e00)
        #expect(cbs_flush_bf16(0x0001) == 0x0000)
        #expect(cbs_flush_bf16(0x807f) == 0x8000)
        #expect(cbs_flush_bf16(0x0080) == 0x0080)
        #expect(cbs_flush_f32(Float(bitPattern: 1)).bitPattern == 0)
        #expect(cbs_flush_f32(-Float.leastNormalMagnitude / 2).bitPattern == 0x8000_0000)
        #expect(cbs_flush_f32(Float.leastNormalMagnitude) == Float.leastNormalMagnitude)
        #expect(cbs_flush_f32(-.infinity) == -.infinity)
    }

    @Test func storesRoundAndFlushInTheStorageDtype() {
        var half: UInt16 = 0xffff
        // 1e-6 is 16.78 units of 2^-24: a subnormal fp16 of 17 units, unless flushed.
        cbs_store(UInt32(CB_DTYPE_F16.rawValue), &half, 0, 1e-6, CB_ROUNDING_NEAREST_EVEN, CB_DENORMALS_PRESERVE)
        #expect(half == 0x0011)
        cbs_store(UInt32(CB_DTYPE_F16.rawValue), &half, 0, 1e-6, CB_ROUNDING_TOWARD_ZERO, CB_DENORMALS_PRESERVE)
        #expect(half == 0x0010)
        cbs_store(UInt32(CB_DTYPE_F16.rawValue), &half, 0, -1e-6, CB_ROUNDING_NEAREST_EVEN, CB_DENORMALS_FLUSH)
        #expect(half == 0x8000)

        var bfloat: UInt16 = 0
        cbs_store(UInt32(CB_DTYPE_BF16.rawValue), &bfloat, 0, Float(bitPattern: 0x3f80_ffff), CB_ROUNDING_TOWARD_ZERO,
                  CB_DENORMALS_PRESERVE)
        #expect(bfloat == 0x3f80)

        var single: [Float] = [7, 7]
        cbs_store(UInt32(CB_DTYPE_F32.rawValue), &single, 1, Float(bitPattern: 5), CB_ROUNDING_NEAREST_EVEN,
                  CB_DENORMALS_FLUSH)
        #expect(single == [7, 0])
    }

    @Test func loadsWidenExactlyAndFlushInTheStorageDtype() {
        let halves: [UInt16] = [0x3c00, 0x0011, 0x8001]
        #expect(cbs_load(UInt32(CB_DTYPE_F16.rawValue), halves, 0, CB_DENORMALS_PRESERVE) == 1)
        #expect(cbs_load(UInt32(CB_DTYPE_F16.rawValue), halves, 1, CB_DENORMALS_PRESERVE) == 17 * 0x1p-24)
        #expect(cbs_load(UInt32(CB_DTYPE_F16.rawValue), halves, 1, CB_DENORMALS_FLUSH) == 0)
        #expect(cbs_load(UInt32(CB_DTYPE_F16.rawValue), halves, 2, CB_DENORMALS_FLUSH).bitPattern == 0x8000_0000)

        let bfloats: [UInt16] = [0x4049, 0x0001]
        #expect(cbs_load(UInt32(CB_DTYPE_BF16.rawValue), bfloats, 0, CB_DENORMALS_PRESERVE) == 3.140625)
        #expect(cbs_load(UInt32(CB_DTYPE_BF16.rawValue), bfloats, 1, CB_DENORMALS_PRESERVE) == 0x1p-133)
        #expect(cbs_load(UInt32(CB_DTYPE_BF16.rawValue), bfloats, 1, CB_DENORMALS_FLUSH) == 0)

        let singles: [Float] = [1.5, .leastNonzeroMagnitude]
        #expect(cbs_load(UInt32(CB_DTYPE_F32.rawValue), singles, 0, CB_DENORMALS_FLUSH) == 1.5)
        #expect(cbs_load(UInt32(CB_DTYPE_F32.rawValue), singles, 1, CB_DENORMALS_PRESERVE) == .leastNonzeroMagnitude)
        #expect(cbs_load(UInt32(CB_DTYPE_F32.rawValue), singles, 1, CB_DENORMALS_FLUSH) == 0)
        #expect(cbs_load(UInt32(CB_DTYPE_I8.rawValue), singles, 0, CB_DENORMALS_PRESERVE).isNaN)
    }
}
