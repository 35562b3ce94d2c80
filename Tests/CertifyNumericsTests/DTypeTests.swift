import Foundation
import Testing

import CertifyNumerics

/// One hand-worked rounding: dtype.round(x, mode:, flushSubnormals:) must be `expected`, bit for bit.
struct RoundingCase: Sendable, CustomTestStringConvertible {
    let dtype: DType
    let x: Double
    let mode: RoundingMode
    let flush: Bool
    let expected: Double

    init(_ dtype: DType, _ x: Double, _ mode: RoundingMode, flush: Bool, _ expected: Double) {
        (self.dtype, self.x, self.mode, self.flush, self.expected) = (dtype, x, mode, flush, expected)
    }

    var testDescription: String { "\(dtype) \(x) \(mode.rawValue)\(flush ? " flush" : "") → \(expected)" }
}

@Suite("DType parameters, rounding modes, flushing, ulp")
struct DTypeTests {
    @Test("format constants", arguments: [
        (DType.fp32, 4, 24, 0x1p-24, 0x1p-126, 0x1p-149, 0x1.fffffep127),
        (DType.fp16, 2, 11, 0x1p-11, 0x1p-14, 0x1p-24, 65504),
        (DType.bf16, 2, 8, 0x1p-8, 0x1p-126, 0x1p-133, 0x1.fep127),
        (DType.fp64, 8, 53, 0x1p-53, 0x1p-1022, 0x1p-1074, 0x1.fffffffffffffp1023),
    ])
    func constants(
        dtype: DType, byteSize: Int, precision: Int, unitRoundoff: Double,
        minNormal: Double, smallestSubnormal: Double, maxFinite: Double
    ) {
        #expect(dtype.byteSize == byteSize)
        #expect(dtype.precision == precision)
        #expect(dtype.unitRoundoff == unitRoundoff)
        #expect(dtype.minNormal == minNormal)
        #expect(dtype.smallestSubnormal == smallestSubnormal)
        #expect(dtype.maxFinite == maxFinite)
    }

    @Test("raw values are the names profiles use")
    func rawValues() throws {
        #expect(DType.allCases.map(\.rawValue) == ["fp32", "fp16", "bf16", "fp64"])
        #expect(RoundingMode.nearestEven.rawValue == "nearest-even")
        #expect(RoundingMode.towardZero.rawValue == "toward-zero")
        let json = try JSONEncoder().encode([DType.bf16])
        #expect(String(decoding: json, as: UTF8.self) == "[\"bf16\"]")
    }

    static let roundingCases: [RoundingCase] = [
        // 1.999 = 1 + 1022.976·2^-10: truncates to 1022, rounds to 1023.
        RoundingCase(.fp16, 1.999, .towardZero, flush: false, 1.998046875),
        RoundingCase(.fp16, 1.999, .nearestEven, flush: false, 1.9990234375),
        RoundingCase(.fp16, -1.999, .towardZero, flush: false, -1.998046875),
        // Overflow: past 65504 + 16 nearest-even gives inf, toward zero saturates.
        RoundingCase(.fp16, 65519, .nearestEven, flush: false, 65504),
        RoundingCase(.fp16, 65520, .nearestEven, flush: false, .infinity),
        RoundingCase(.fp16, 70000, .towardZero, flush: false, 65504),
        RoundingCase(.fp16, -1e10, .towardZero, flush: false, -65504),
        RoundingCase(.fp16, -1e300, .nearestEven, flush: false, -.infinity),
        RoundingCase(.fp16, .infinity, .towardZero, flush: false, .infinity),
        // Subnormals: 1.5 · 2^-24 ties to even (2 · 2^-24) or truncates (2^-24).
        RoundingCase(.fp16, 0x1.8p-24, .nearestEven, flush: false, 0x1p-23),
        RoundingCase(.fp16, 0x1.8p-24, .towardZero, flush: false, 0x1p-24),
        RoundingCase(.fp16, 0x1p-25, .nearestEven, flush: false, 0),
        RoundingCase(.fp16, 0x1p-20, .nearestEven, flush: false, 0x1p-20),
        // Flushing: a subnormal result becomes a zero of the input's sign...
        RoundingCase(.fp16, 0x1p-20, .nearestEven, flush: true, 0),
        RoundingCase(.fp16, -0x1p-20, .nearestEven, flush: true, -0.0),
        // ...but 2^-14 − 2^-30 rounds up to minNormal first, which is kept, unless truncated.
        RoundingCase(.fp16, 0x1p-14 - 0x1p-30, .nearestEven, flush: true, 0x1p-14),
        RoundingCase(.fp16, 0x1p-14 - 0x1p-30, .towardZero, flush: false, 0x1p-14 - 0x1p-24),
        RoundingCase(.fp16, 0x1p-14 - 0x1p-30, .towardZero, flush: true, 0),
        // 1/3 = 1.0101…₂ · 2^-2: fp32 rounds 0x3EAAAAAB, truncates 0x3EAAAAAA.
        RoundingCase(.fp32, 1.0 / 3, .nearestEven, flush: false, Double(Float(bitPattern: 0x3EAA_AAAB))),
        RoundingCase(.fp32, 1.0 / 3, .towardZero, flush: false, Double(Float(bitPattern: 0x3EAA_AAAA))),
        RoundingCase(.fp32, 1e39, .towardZero, flush: false, Double(Float.greatestFiniteMagnitude)),
        RoundingCase(.fp32, 1e-40, .nearestEven, flush: true, 0),
        // bf16: 1/3 → 1.0101010|1…₂ · 2^-2, so (1 + 42/128)/4 truncated, (1 + 43/128)/4 rounded.
        RoundingCase(.bf16, 1.0 / 3, .towardZero, flush: false, 0.33203125),
        RoundingCase(.bf16, 1.0 / 3, .nearestEven, flush: false, 0.333984375),
        RoundingCase(.bf16, 1e-40, .nearestEven, flush: true, 0),
        RoundingCase(.bf16, 1e39, .towardZero, flush: false, 0x1.fep127),
        // fp64 is already exact; flushing still applies.
        RoundingCase(.fp64, 1.0 / 3, .towardZero, flush: false, 1.0 / 3),
        RoundingCase(.fp64, 0x1p-1074, .nearestEven, flush: false, 0x1p-1074),
        RoundingCase(.fp64, -0x1p-1074, .nearestEven, flush: true, -0.0),
    ]

    @Test("hand-worked rounding", arguments: roundingCases)
    func rounding(_ example: RoundingCase) {
        let actual = example.dtype.round(example.x, mode: example.mode, flushSubnormals: example.flush)
        #expect(actual.bitPattern == example.expected.bitPattern, "got \(actual)")
    }

    @Test("NaN, infinities and signed zeros pass through", arguments: DType.allCases)
    func specials(dtype: DType) {
        for mode in [RoundingMode.nearestEven, .towardZero] {
            for flush in [false, true] {
                #expect(dtype.round(.nan, mode: mode, flushSubnormals: flush).isNaN)
                #expect(dtype.round(-.infinity, mode: mode, flushSubnormals: flush) == -.infinity)
                #expect(dtype.round(-0.0, mode: mode, flushSubnormals: flush).bitPattern == (-0.0).bitPattern)
                #expect(dtype.round(0, mode: mode, flushSubnormals: flush).bitPattern == 0)
            }
        }
    }

    @Test("rounding agrees with an arithmetic model on random doubles", arguments: [DType.fp32, .fp16, .bf16])
    func matchesModel(dtype: DType) {
        var generator = SeededGenerator(seed: 7, stream: "round-model/\(dtype.rawValue)")
        var failures: [String] = []
        for _ in 0..<20_000 {
            // Random significand, exponent spread over the format's range and beyond, random sign;
            // every tenth value is put on or next to a rounding midpoint.
            let exponent = generator.integer(dtype.minExponent - dtype.precision - 3, dtype.maxExponent + 2)
            var x = Double(sign: generator.integer(0, 1) == 0 ? .plus : .minus, exponent: exponent,
                           significand: generator.uniform(1, 2))
            if generator.integer(0, 9) == 0 {
                let tie = roundingModel(x.magnitude, dtype: dtype, mode: .towardZero, flush: false) + dtype.ulp(at: x) / 2
                x = Double(signOf: x, magnitudeOf: [tie, tie.nextUp, tie.nextDown][generator.integer(0, 2)])
            }
            for mode in [RoundingMode.nearestEven, .towardZero] {
                for flush in [false, true] {
                    let actual = dtype.round(x, mode: mode, flushSubnormals: flush)
                    let expected = roundingModel(x, dtype: dtype, mode: mode, flush: flush)
                    if actual.bitPattern != expected.bitPattern { failures.append("\(x) \(mode) \(flush): \(actual) vs \(expected)") }
                }
            }
            if dtype == .fp32, dtype.round(x) != Double(Float(x)) { failures.append("\(x): differs from Float(x)") }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches, first: \(failures.prefix(5))")
    }

    @Test("ulp at 1, at a subnormal, at maxFinite", arguments: [
        (DType.fp32, 0x1p-23, 0x1p-149, 0x1p104),
        (DType.fp16, 0x1p-10, 0x1p-24, 32),
        (DType.bf16, 0x1p-7, 0x1p-133, 0x1p120),
        (DType.fp64, 0x1p-52, 0x1p-1074, 0x1p971),
    ])
    func ulp(dtype: DType, atOne: Double, atSubnormal: Double, atMaxFinite: Double) {
        #expect(dtype.ulp(at: 1) == atOne)
        #expect(dtype.ulp(at: -1) == atOne)
        #expect(dtype.ulp(at: 1.999) == atOne)
        #expect(dtype.ulp(at: 2) == 2 * atOne)
        #expect(dtype.ulp(at: 3 * dtype.smallestSubnormal) == atSubnormal)
        #expect(dtype.ulp(at: 0) == atSubnormal)
        #expect(dtype.ulp(at: dtype.minNormal) == atSubnormal)
        #expect(dtype.ulp(at: dtype.maxFinite) == atMaxFinite)
        #expect(dtype.ulp(at: .infinity).isNaN)
        #expect(dtype.ulp(at: .nan).isNaN)
    }

    /// Rounding by arithmetic on the value, independent of the bit-level implementation: scale the
    /// magnitude so the dtype's quantum at it is 1, round to an integer, scale back, then apply range.
    private func roundingModel(_ x: Double, dtype: DType, mode: RoundingMode, flush: Bool) -> Double {
        let a = x.magnitude
        let quantumExponent = max(a.exponent, dtype.minExponent) - (dtype.precision - 1)
        let quantum = Foundation.pow(2.0, Double(quantumExponent))
        let integral = (a / quantum).rounded(mode == .nearestEven ? .toNearestOrEven : .towardZero)
        var magnitude = integral * quantum
        if magnitude > dtype.maxFinite { magnitude = mode == .nearestEven ? .infinity : dtype.maxFinite }
        if flush, magnitude < dtype.minNormal { magnitude = 0 }
        return x.sign == .minus ? -magnitude : magnitude
    }
}
