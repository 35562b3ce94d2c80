import CertifyBackendSupport
import Testing

/// cbs_set_error writes only where the harness said it may.
@Suite struct ErrorSlotTests {
    static let messageOffset = MemoryLayout<cb_error>.offset(of: \cb_error.message)!
    static let codeEnd = MemoryLayout<cb_error>.offset(of: \cb_error.code)! + MemoryLayout<Int32>.size

    /// An error slot of `structSize` whose code and message bytes are filled with a sentinel.
    static func slot(structSize: Int = MemoryLayout<cb_error>.size) -> cb_error {
        var error = cb_error()
        error.struct_size = structSize
        error.code = -99
        withUnsafeMutableBytes(of: &error.message) { _ = $0.initializeMemory(as: UInt8.self, repeating: 0x55) }
        return error
    }

    static func setError(_ error: UnsafeMutablePointer<cb_error>?, code: Int32, _ text: String) {
        withVaList([]) { cbs_set_error_v(error, code, text, $0) }
    }

    @Test func writesCodeAndMessage() {
        var error = Self.slot()
        "peek".withCString { key in
            withVaList([Int32(42), key]) { cbs_set_error_v(&error, 7, "option %d is '%s'", $0) }
        }
        #expect(error.code == 7)
        #expect(message(of: &error) == "option 42 is 'peek'")
    }

    @Test func toleratesNull() {
        Self.setError(nil, code: 1, "nobody is listening")
    }

    @Test func truncatesToTheMessageCapacity() {
        var error = Self.slot()
        Self.setError(&error, code: 1, String(repeating: "x", count: 600))
        #expect(message(of: &error) == String(repeating: "x", count: Int(CB_ERROR_MESSAGE_CAPACITY) - 1))
    }

    @Test func cutsOnACharacterBoundary() {
        var error = Self.slot()
        // 2 + 3·200 bytes; 511 fit, and the 170th "≥" would end at byte 512.
        Self.setError(&error, code: 1, "ab" + String(repeating: "≥", count: 200))
        #expect(message(of: &error) == "ab" + String(repeating: "≥", count: 169))
    }

    @Test func writesNothingBeyondAShorterStructSize() {
        var error = Self.slot(structSize: Self.messageOffset + 8)
        Self.setError(&error, code: 3, "a longer message")
        let bytes = withUnsafeBytes(of: &error.message) { Array($0) }
        #expect(Array(bytes[0..<8]) == Array("a longe".utf8) + [0])
        #expect(bytes[8...].allSatisfy { $0 == 0x55 })
        #expect(error.code == 3)
    }

    @Test func writesNothingIntoASlotTooSmallForIt() {
        var error = Self.slot(structSize: Self.codeEnd - 1)
        Self.setError(&error, code: 3, "lost")
        #expect(error.code == -99)
        #expect(withUnsafeBytes(of: &error.message) { $0.allSatisfy { $0 == 0x55 } })

        var codeOnly = Self.slot(structSize: Self.messageOffset)
        Self.setError(&codeOnly, code: 3, "lost")
        #expect(codeOnly.code == 3)
        #expect(withUnsafeBytes(of: &codeOnly.message) { $0.allSatisfy { $0 == 0x55 } })
    }
}

/// The NUL-terminated message in an error slot.
func message(of error: inout cb_error) -> String {
    withUnsafeBytes(of: &error.message) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
