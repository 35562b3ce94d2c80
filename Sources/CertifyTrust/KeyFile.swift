import Crypto
import Foundation
import X509

/// Reading and writing the PEM files of a signing identity: Ed25519 keys as PKCS#8, certificates.
package enum KeyFile {
    // RFC 8410: an Ed25519 PKCS#8 PrivateKeyInfo is this 16-byte prefix and the 32-byte seed.
    private static let pkcs8Prefix: [UInt8] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// The key as a PKCS#8 PEM document (OpenSSL's and Python cryptography's format).
    package static func pem(_ key: Curve25519.Signing.PrivateKey) -> String {
        pem(type: "PRIVATE KEY", der: Data(pkcs8Prefix) + key.rawRepresentation)
    }

    /// A PEM document of `type` around `der`, 64 base64 characters a line.
    package static func pem(type: String, der: Data) -> String {
        let base64 = der.base64EncodedString()
        var lines = ["-----BEGIN \(type)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END \(type)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads a private key, refusing one that group or others can read.
    package static func readKey(_ path: String) throws(SigningError) -> Curve25519.Signing.PrivateKey {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .unreadable(path: path, reason: reason(error))
        }
        let mode = UInt16((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777)
        guard mode & 0o077 == 0 else { throw .keyReadableByOthers(path: path, mode: mode) }
        let text = try readText(path)
        guard let der = derBlocks(text, type: "PRIVATE KEY").first, der.count == 48,
            Array(der.prefix(16)) == pkcs8Prefix,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        else { throw .malformedKey(path: path) }
        return key
    }

    /// Reads every certificate of a PEM file, in file order.
    package static func readCertificates(_ path: String) throws(SigningError) -> [Certificate] {
        let blocks = derBlocks(try readText(path), type: "CERTIFICATE")
        guard !blocks.isEmpty else { throw .malformedCertificate(path: path, reason: "no '-----BEGIN CERTIFICATE-----' block") }
        do {
            return try blocks.map { try Certificate(derEncoded: Array($0)) }
        } catch {
            throw .malformedCertificate(path: path, reason: "\(error)")
        }
    }

    /// A certificate's DER bytes.
    package static func der(_ certificate: Certificate) throws -> Data {
        Data(try certificate.serializeAsPEM().derBytes)
    }

    /// Writes `text` to a new file with `mode`, refusing to overwrite.
    package static func create(_ path: String, _ text: String, mode: UInt16) throws(SigningError) {
        guard !FileManager.default.fileExists(atPath: path) else { throw .exists(path: path) }
        // Created with the final mode so a key is never readable by others, even for an instant.
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        else { throw .unwritable(path: path, reason: "the file cannot be created") }
    }

    private static func readText(_ path: String) throws(SigningError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: reason(error))
        }
    }

    private static func derBlocks(_ text: String, type: String) -> [Data] {
        var blocks: [Data] = []
        var body: String?
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line == "-----BEGIN \(type)-----" {
                body = ""
            } else if line == "-----END \(type)-----", let current = body {
                if let der = Data(base64Encoded: current) { blocks.append(der) }
                body = nil
            } else if body != nil {
                body! += line
            }
        }
        return blocks
    }

    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain && (nsError.code == NSFileReadNoSuchFileError || nsError.code == NSFileNoSuchFileError) {
            return "No such file or directory"
        }
        return nsError.localizedDescription
    }
}
