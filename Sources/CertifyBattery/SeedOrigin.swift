/// Where a run's seed came from. The battery's inputs follow from the seed alone, so a seed known
/// in advance lets a backend be tuned to the inputs; a tier may therefore require a drawn one.
package enum SeedOrigin: String, Sendable, Codable, Equatable {
    /// No seed was asked for and no tier required a drawn one: the battery's default, 1.
    case `default`
    /// `--seed N` on the command line.
    case given
    /// Drawn by certify from the operating system's CSPRNG for this run.
    case drawn
    /// The seed of an earlier report this run reproduces (`--reproduce`), named in the run record.
    case reproduction

    /// Whether the inputs were unknown before the certified run began.
    package var unforeseeable: Bool { self == .drawn || self == .reproduction }

    /// A fresh seed from the operating system's CSPRNG (getrandom(2) on Linux), below 2^53 so
    /// that every JSON reader holds it exactly.
    package static func draw() -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return UInt64.random(in: 1..<(1 << 53), using: &generator)
    }
}
