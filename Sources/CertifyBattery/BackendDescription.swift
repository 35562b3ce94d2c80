/// What the report says about a loaded backend and its device.
package struct BackendDescription: Sendable, Codable, Equatable {
    package init(
        libraryPath: String, librarySHA256: String, name: String, version: String, abiVersion: String,
        deviceName: String, deviceVendor: String, driverVersion: String, deviceMemoryBytes: UInt64,
        hasDeviceTimer: Bool, implementation: String? = nil
    ) {
        (self.libraryPath, self.librarySHA256, self.name, self.version) = (libraryPath, librarySHA256, name, version)
        (self.abiVersion, self.deviceName, self.deviceVendor) = (abiVersion, deviceName, deviceVendor)
        (self.driverVersion, self.deviceMemoryBytes) = (driverVersion, deviceMemoryBytes)
        (self.hasDeviceTimer, self.implementation) = (hasDeviceTimer, implementation)
    }

    package var libraryPath: String
    package var librarySHA256: String
    package var name: String
    package var version: String
    /// The plugin ABI the library speaks, "major.minor" from its cb_api: which fields of the
    /// output structs it can fill (1.0: no intermediates, no implementation).
    package var abiVersion: String
    /// The minor version of `abiVersion` (0 if it cannot be read).
    package var abiMinor: Int {
        abiVersion.split(separator: ".").dropFirst().first.flatMap { Int($0) } ?? 0
    }
    package var deviceName: String
    package var deviceVendor: String
    package var driverVersion: String
    package var deviceMemoryBytes: UInt64
    package var hasDeviceTimer: Bool
    /// Which code path the library chose on this host (ABI 1.1 `cb_device_info.implementation`),
    /// e.g. "oneDNN 2.6.3, effective ISA avx512_core_bf16"; nil when the plugin speaks ABI 1.0 or
    /// has nothing to say, and in reports written before 1.1.
    package var implementation: String?
}

