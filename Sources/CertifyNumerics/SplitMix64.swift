/// Vigna's SplitMix64: a 64-bit counter passed through a fixed mixing function.
///
/// Used to expand one 64-bit seed into a xoshiro256** state, as its authors recommend.
package struct SplitMix64: Sendable {
    /// The counter; each call to `next()` advances it by the golden-ratio increment.
    package var state: UInt64

    /// A generator whose first output is the mix of `state + 0x9E3779B97F4A7C15`.
    package init(state: UInt64) {
        self.state = state
    }

    /// The next 64-bit output.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a, used to turn a stream name into a number.
package enum FNV1a64 {
    /// FNV-1a over the UTF-8 bytes of `text` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    package static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
