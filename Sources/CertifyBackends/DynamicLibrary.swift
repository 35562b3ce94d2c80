import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A dlopen'ed shared object, closed with dlclose when the object goes, on every path.
final class DynamicLibrary {
    private let handle: UnsafeMutableRawPointer

    /// dlopen(path, RTLD_NOW | RTLD_LOCAL); throws dlerror()'s words when it refuses.
    init(_ path: String) throws(LoadFailure) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw LoadFailure(message: dlerror().map { String(cString: $0) } ?? "unknown dlopen error")
        }
        self.handle = handle
    }

    deinit {
        dlclose(handle)
    }

    /// The address of `name`, or nil when the library does not export it.
    func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(handle, name)
    }

    struct LoadFailure: Error {
        var message: String
    }
}
