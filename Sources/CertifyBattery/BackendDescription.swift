/// What the report says about a loaded backend and its device.
package struct BackendDescription: Sendable, Codable, Equatable {
    package init(
        libraryPath: String, librarySHA256: String, name: String, version: String, abiVersion: String,
        deviceName: String, deviceVendor: String, driverVersion: String, deviceMemoryBytes: UInt64,
        hasDeviceTimer: Bool, implementation: String? = nil
    ) {
        self.libraryPath = libraryPath
        self.librarySHA256 = librarySHA256
        self.name = name
        self.version = version
        self.abiVersion = abiVersion
        self.deviceName = deviceName
        self.deviceVendor = deviceVendor
        self.driverVersion = driverVersion
        self.deviceMemoryBytes = deviceMemoryBytes
        self.hasDeviceTimer = hasDeviceTimer
        self.implementation = implementation
    }

    package var libraryPath: String
    package var librarySHA256: String
    package var name: String
    package var version: String
    /// The plugin ABI the library speaks, "major.minor" from its cb_api: which fields of the
    /// output structs it can fill (1.0: no intermediates, no implementation).
    package var abiVersion: String
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

