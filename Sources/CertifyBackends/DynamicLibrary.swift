import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A dlopen'ed shared object, closed with dlclose when the object goes, on every path.
final class DynamicLibrary {
    private let handle: UnsafeMutableRawPointer
    /// The descriptor the library was opened through, held until after dlclose.
    private let file: FileDescriptor

    /// dlopen(RTLD_NOW | RTLD_LOCAL) of the file open on `file`, through /proc/self/fd/N, holding
    /// `file` open as long as the library is loaded; throws dlerror()'s words when it refuses.
    /// glibc takes an object whose name matches one already loaded for that object, and a closed
    /// descriptor's number is handed out again: a second plugin opened through the same number
    /// would silently be the first one's code.
    init(descriptor file: FileDescriptor) throws(LoadFailure) {
        guard let handle = dlopen("/proc/self/fd/\(file.raw)", RTLD_NOW | RTLD_LOCAL) else {
            throw LoadFailure(message: dlerror().map { String(cString: $0) } ?? "unknown dlopen error")
        }
        (self.handle, self.file) = (handle, file)
    }

    /// dlclose need not unload (a library glibc marked NODELETE, one whose threads or TLS
    /// destructors hold it): then it stays resident under the name /proc/self/fd/N, and closing
    /// N would let the next plugin opened on that number be handed this one. Such a descriptor is
    /// kept open for the life of the process, so its number is never reused.
    deinit {
        dlclose(handle)
        let path = "/proc/self/fd/\(file.raw)"
        if let resident = dlopen(path, RTLD_LAZY | RTLD_NOLOAD) {
            dlclose(resident)
            Self.keepOpen(file)
        }
    }

    private nonisolated(unsafe) static var resident: [FileDescriptor] = []
    private static let residentLock = NSLock()

    private static func keepOpen(_ file: FileDescriptor) {
        residentLock.lock()
        defer { residentLock.unlock() }
        resident.append(file)
    }

    /// The address of `name`, or nil when the library does not export it.
    func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(handle, name)
    }

    struct LoadFailure: Error {
        var message: String
    }
}
