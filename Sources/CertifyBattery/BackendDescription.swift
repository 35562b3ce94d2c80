/// What the report says about a loaded backend and its device.
package struct BackendDescription: Sendable, Codable, Equatable {
    package init(
        libraryPath: String, librarySHA256: String, name: String, version: String, abiVersion: String,
        deviceName: String, deviceVendor: String, driverVersion: String, deviceMemoryBytes: UInt64,
        hasDeviceTimer: Bool
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
    }

    package var libraryPath: String
    package var librarySHA256: String
    package var name: String
    package var version: String
    package var abiVersion: String
    package var deviceName: String
    package var deviceVendor: String
    package var driverVersion: String
    package var deviceMemoryBytes: UInt64
    package var hasDeviceTimer: Bool
}

