internal import CCertifyBackend
import CertifyTrust
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A dlopen'ed plugin whose bootstrap returned a usable ABI 1.x function table.
///
/// The handle stays open for the object's lifetime; `deinit` closes it.
final class PluginLibrary {
    let path: String
    let sha256: String
    let api: UnsafePointer<cb_api>
    private let library: DynamicLibrary

    /// Loads `path`, checks the SHA-256 pin when given, and negotiates the ABI.
    ///
    /// The bytes hashed are the bytes loaded: the file is opened once, hashed through that
    /// descriptor and dlopen'ed through /proc/self/fd, so a file swapped in between is never run;
    /// the library holds the descriptor while it is loaded (`DynamicLibrary(descriptor:)`).
    init(path: String, expectedSHA256: String?) throws(BackendError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw BackendError(.notFound, "backend library '\(path)' does not exist")
        }
        guard let file = FileDescriptor(reading: path) else {
            throw BackendError(.notLoadable, "backend library '\(path)' cannot be read: \(String(cString: strerror(errno)))")
        }
        let digest: String
        do {
            digest = try FileDigest.sha256(ofDescriptor: file.raw)
        } catch {
            throw BackendError(.notLoadable, "backend library '\(path)' cannot be read: \(error.localizedDescription)")
        }
        sha256 = digest
        if let pin = expectedSHA256?.lowercased(), pin != digest {
            throw BackendError(
                .hashMismatch,
                "backend library '\(path)' has SHA-256 \(digest), but the profile pins \(pin)")
        }
        do {
            library = try DynamicLibrary(descriptor: file)
        } catch {
            throw BackendError(.notLoadable, "backend library '\(path)' is not a loadable shared library: \(error.message)")
        }
        guard let symbol = library.symbol(CERTIFY_BACKEND_BOOTSTRAP_SYMBOL) else {
            throw BackendError(
                .missingBootstrap,
                "backend library '\(path)' does not export \(CERTIFY_BACKEND_BOOTSTRAP_SYMBOL); is it a certify backend?")
        }
        let bootstrap = unsafeBitCast(symbol, to: certify_backend_bootstrap_fn.self)
        var request = cb_bootstrap_request(
            struct_size: MemoryLayout<cb_bootstrap_request>.size,
            harness_abi_major: UInt32(CERTIFY_ABI_VERSION_MAJOR),
            harness_abi_minor: UInt32(CERTIFY_ABI_VERSION_MINOR))
        guard let api = bootstrap(&request) else {
            throw BackendError(
                .abiMismatch,
                "backend library '\(path)' refused plugin ABI \(CERTIFY_ABI_VERSION_MAJOR).\(CERTIFY_ABI_VERSION_MINOR): \(CERTIFY_BACKEND_BOOTSTRAP_SYMBOL) returned NULL")
        }
        let table = api.pointee
        guard table.abi_major == UInt32(CERTIFY_ABI_VERSION_MAJOR) else {
            throw BackendError(
                .abiMismatch,
                "backend library '\(path)' implements plugin ABI \(table.abi_major).\(table.abi_minor); this certify speaks ABI \(CERTIFY_ABI_VERSION_MAJOR).x")
        }
        let required = MemoryLayout<cb_api>.offset(of: \cb_api.synchronize)! + MemoryLayout<UnsafeRawPointer>.size
        guard table.struct_size >= required else {
            throw BackendError(
                .abiMismatch,
                "backend library '\(path)' returned a cb_api of \(table.struct_size) bytes; ABI \(CERTIFY_ABI_VERSION_MAJOR).0 needs at least \(required)")
        }
        let missing = Self.missingEntryPoints(table)
        guard missing.isEmpty else {
            throw BackendError(
                .abiMismatch,
                "backend library '\(path)' leaves required entry points NULL: \(missing.joined(separator: ", "))")
        }
        self.api = api
    }

    /// Whether the table is long enough to hold the optional device timer and sets it.
    var hasDeviceTimer: Bool {
        let end = MemoryLayout<cb_api>.offset(of: \cb_api.last_execute_ns)! + MemoryLayout<UnsafeRawPointer>.size
        return api.pointee.struct_size >= end && api.pointee.last_execute_ns != nil
    }

    private static func missingEntryPoints(_ t: cb_api) -> [String] {
        let entries: [(String, Bool)] = [
            ("create", t.create != nil), ("destroy", t.destroy != nil), ("device_info", t.device_info != nil),
            ("query", t.query != nil), ("alloc", t.alloc != nil), ("free", t.free != nil),
            ("upload", t.upload != nil), ("download", t.download != nil), ("prepare", t.prepare != nil),
            ("release", t.release != nil), ("execute", t.execute != nil), ("synchronize", t.synchronize != nil),
        ]
        return entries.filter { !$0.1 }.map(\.0)
    }
}
