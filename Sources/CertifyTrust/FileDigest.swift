import Crypto
import Foundation

/// SHA-256 of files, for the backend pin and the report's subjects.
package enum FileDigest {
    /// Lower-case hex SHA-256 of the file's bytes.
    package static func sha256(ofFile path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        return hex(SHA256.hash(data: data))
    }

    /// Lower-case hex SHA-256 of what can be read from `descriptor` from its start; the
    /// descriptor stays open (and owned by the caller).
    package static func sha256(ofDescriptor descriptor: Int32) throws -> String {
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        try handle.seek(toOffset: 0)
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hex(hasher.finalize())
    }

    /// Lower-case hex SHA-256 of `bytes`.
    package static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// Lower-case hex SHA-256 of `data`.
    package static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
