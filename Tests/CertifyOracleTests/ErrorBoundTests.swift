import Testing

import CertifyOracle

@Suite("Error bounds")
struct ErrorBoundTests {
    @Test("gamma values", arguments: [
        (0, 0x1p-24, 0.0),
        (1, 0x1p-24, 0x1p-24 / (1 - 0x1p-24)),
        (1024, 0x1p-11, 1.0),  // n·u = 1/2
        (512, 0x1p-11, 1.0 / 3),  // n·u = 1/4
        (2047, 0x1p-11, 2047.0),  // n·u = 1 − 2^-11, the last finite value
        (4608, 0x1p-24, 4608 * 0x1p-24 / (1 - 4608 * 0x1p-24)),
    ])
    func values(n: Int, u: Double, expected: Double) {
        #expect(ErrorBound.gamma(n, unitRoundoff: u) == expected)
    }

    @Test("gamma is infinite once n·u reaches 1", arguments: [(2048, 0x1p-11), (4096, 0x1p-11), (256, 0x1p-8)])
    func infinite(n: Int, u: Double) {
        #expect(ErrorBound.gamma(n, unitRoundoff: u) == .infinity)
    }
}
