import Crypto
import Foundation

/// SHA-256 of files, for the backend pin and the report's subjects.
package enum FileDigest {
    /// Lower-case hex SHA-256 of the file's bytes.
    package static func sha256(ofFile path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        return hex(SHA256.hash(data: data))
    }

    /// Lower-case hex SHA-256 of `bytes`.
    package static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
