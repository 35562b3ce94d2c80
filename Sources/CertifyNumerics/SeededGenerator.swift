/// Deterministic PRNG: the same (seed, stream) gives the same sequence on every platform and release.
///
/// The algorithm is fixed and part of the battery's contract, because a case is reproduced from
/// its id alone:
/// - the stream name is hashed with 64-bit FNV-1a over its UTF-8 bytes;
/// - SplitMix64 started at `seed ^ fnv1a64(stream)` yields the four state words, in order;
/// - outputs are xoshiro256** (Blackman and Vigna, 2018).
///
/// `uniform`, `normal` and `integer` are defined here on top of `next()` rather than taken from
/// the standard library, whose algorithms may change between releases, and use only correctly
/// rounded IEEE operations so that no platform libm enters the results.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for the stream named `stream` of `seed` (e.g. a battery case id).
    package init(seed: UInt64, stream: String) {
        var seeder = SplitMix64(state: seed ^ FNV1a64.hash(stream))
        self.init(state: (seeder.next(), seeder.next(), seeder.next(), seeder.next()))
    }

    /// A generator with the given xoshiro256** state words; they must not all be zero.
    package init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
        (s0, s1, s2, s3) = state
    }

    /// The next 64 random bits (xoshiro256**).
    package mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [lo, hi) from the top 53 bits of one output: lo + (hi − lo)·k·2^-53.
    package mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * unitInterval()
    }

    /// A standard normal deviate (mean 0, variance 1).
    ///
    /// Marsaglia's polar form of Box–Muller: draw (v1, v2) uniformly in the unit disc by
    /// rejection, return v1·√(−2·ln s / s) with s = v1² + v2², discard the second deviate.
    /// The logarithm is computed here from +, −, ×, ÷ only, so results are bit-identical
    /// everywhere.
    package mutating func normal() -> Double {
        while true {
            let v1 = 2 * unitInterval() - 1
            let v2 = 2 * unitInterval() - 1
            let s = v1 * v1 + v2 * v2
            if s > 0, s < 1 {
                return v1 * (-2 * PortableMath.log(s) / s).squareRoot()
            }
        }
    }

    /// A uniform integer in lo...hi inclusive, without modulo bias.
    ///
    /// Lemire's multiply-and-reject method on 64-bit outputs.
    package mutating func integer(_ lo: Int, _ hi: Int) -> Int {
        precondition(lo <= hi, "empty range \(lo)...\(hi)")
        let span = UInt64(bitPattern: Int64(hi) &- Int64(lo)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold {
                product = next().multipliedFullWidth(by: span)
            }
        }
        return Int(truncatingIfNeeded: Int64(lo) &+ Int64(bitPattern: product.high))
    }

    /// This generator moved ahead by `steps` outputs: the same state as calling `next()` `steps`
    /// times, in about a thousand word operations per set bit of `steps`. xoshiro256**'s state
    /// step is linear over GF(2), so `steps` of them are the matrix T^steps, formed from the
    /// precomputed powers T^(2^i) (`Jump`). Lets a tensor drawn one output per element be drawn
    /// on every core, each chunk from its own starting element, with the values of one sequence.
    package func advanced(by steps: UInt64) -> SeededGenerator {
        var state = [s0, s1, s2, s3]
        var remaining = steps
        var power = 0
        while remaining != 0 {
            if remaining & 1 == 1 { state = Jump.powers[power].apply(state) }
            remaining >>= 1
            power += 1
        }
        return SeededGenerator(state: (state[0], state[1], state[2], state[3]))
    }

    /// A 256×256 matrix over GF(2) acting on the state's 256 bits (s0's bit 0 first).
    fileprivate struct BitMatrix {
        /// Column j, the image of the state with only bit j set, as four words.
        var columns: [UInt64]

        func apply(_ state: [UInt64]) -> [UInt64] {
            var result: [UInt64] = [0, 0, 0, 0]
            for word in 0..<4 {
                var bits = state[word]
                while bits != 0 {
                    let j = word * 64 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    for w in 0..<4 { result[w] ^= columns[4 * j + w] }
                }
            }
            return result
        }

        func squared() -> BitMatrix {
            var product = [UInt64](repeating: 0, count: 1024)
            for j in 0..<256 {
                let image = apply(Array(columns[4 * j..<4 * j + 4]))
                for w in 0..<4 { product[4 * j + w] = image[w] }
            }
            return BitMatrix(columns: product)
        }
    }

    fileprivate enum Jump {
        /// T^(2^i) for i in 0..<64, T the state step of `next()`.
        static let powers: [BitMatrix] = {
            var columns = [UInt64](repeating: 0, count: 1024)
            for j in 0..<256 {
                var basis: [UInt64] = [0, 0, 0, 0]
                basis[j / 64] = 1 << UInt64(j % 64)
                var generator = SeededGenerator(state: (basis[0], basis[1], basis[2], basis[3]))
                _ = generator.next()
                for (w, word) in [generator.s0, generator.s1, generator.s2, generator.s3].enumerated() { columns[4 * j + w] = word }
            }
            var powers = [BitMatrix(columns: columns)]
            for _ in 1..<64 { powers.append(powers[powers.count - 1].squared()) }
            return powers
        }()
    }

    /// k·2^-53 for the top 53 bits k of one output: a uniform double in [0, 1).
    private mutating func unitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
