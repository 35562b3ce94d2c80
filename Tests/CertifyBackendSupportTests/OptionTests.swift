import CertifyBackendSupport
import Foundation
import Testing

/// Checking and parsing backend options.
@Suite struct OptionTests {
    static let known = ["device_id", "defect"]
    static let defects = ["none", "fp16-accumulation", "softmax-no-max-subtraction", "rmsnorm-eps-outside-sqrt"]

    struct Outcome: Equatable, CustomStringConvertible {
        let status: cb_status
        let message: String
        var description: String { "\(status.rawValue): \(message)" }
        static func ok(_ message: String = "") -> Outcome { Outcome(status: CB_STATUS_OK, message: message) }
        static func invalid(_ message: String) -> Outcome { Outcome(status: CB_STATUS_INVALID_ARGUMENT, message: message) }
    }

    static func check(_ pairs: [(String, String)], known: [String] = known) -> Outcome {
        withOptions(pairs) { options, count in
            withCStrings(known) { keys in
                var error = ErrorSlotTests.slot()
                error.message.0 = 0
                let status = cbs_options_check(options, count, keys, known.count, &error)
                return Outcome(status: status, message: message(of: &error))
            }
        }
    }

    @Test func acceptsKnownKeysAndNoOptions() {
        #expect(Self.check([("device_id", "1"), ("defect", "none")]) == .ok())
        #expect(Self.check([]) == .ok())
        #expect(Self.check([], known: []) == .ok())
    }

    @Test func rejectsUnknownAndRepeatedKeys() {
        #expect(Self.check([("device_id", "1"), ("peek", "2")]) == .invalid("unknown option 'peek'"))
        #expect(Self.check([("device_id", "1")], known: []) == .invalid("unknown option 'device_id'"))
        #expect(Self.check([("defect", "none"), ("defect", "none")]) == .invalid("option 'defect' is given twice"))
    }

    @Test func rejectsMalformedArrays() {
        var error = ErrorSlotTests.slot()
        #expect(cbs_options_check(nil, 2, nil, 0, &error) == CB_STATUS_INVALID_ARGUMENT)
        #expect(message(of: &error) == "options is NULL but n_options is 2")

        var missingValue = cb_option(key: nil, value: nil)
        "device_id".withCString { key in
            missingValue.key = key
            #expect(cbs_options_check(&missingValue, 1, nil, 0, &error) == CB_STATUS_INVALID_ARGUMENT)
            #expect(message(of: &error) == "option 'device_id' has no value")
        }
        missingValue.key = nil
        #expect(cbs_options_check(&missingValue, 1, nil, 0, &error) == CB_STATUS_INVALID_ARGUMENT)
        #expect(message(of: &error) == "option 0 has no key")
    }

    static func deviceID(_ pairs: [(String, String)]) -> (Outcome, Int64) {
        withOptions(pairs) { options, count in
            var error = ErrorSlotTests.slot()
            error.message.0 = 0
            var value: Int64 = -7
            let status = cbs_option_int(options, count, "device_id", 0, .max, 3, &value, &error)
            return (Outcome(status: status, message: message(of: &error)), value)
        }
    }

    @Test(arguments: [("0", Int64(0)), ("12", 12), ("9223372036854775807", .max)])
    func parsesIntegers(_ text: String, _ expected: Int64) {
        let (outcome, value) = Self.deviceID([("device_id", text)])
        #expect(outcome == .ok())
        #expect(value == expected)
    }

    @Test func absentIntegerTakesTheFallback() {
        let (outcome, value) = Self.deviceID([("defect", "none")])
        #expect(outcome == .ok())
        #expect(value == 3)
    }

    @Test(arguments: ["-1", "", "abc", "1.5", " 3", "+3", "0x10", "9223372036854775808", "-"])
    func rejectsWhatIsNotANonNegativeInteger(_ text: String) {
        let (outcome, value) = Self.deviceID([("device_id", text)])
        #expect(outcome == .invalid("option 'device_id' must be an integer >= 0, got '\(text)'"))
        #expect(value == -7)
    }

    @Test func boundedIntegersNameTheirRange() {
        withOptions([("threads", "65")]) { options, count in
            var error = ErrorSlotTests.slot()
            var value: Int64 = 0
            #expect(cbs_option_int(options, count, "threads", 1, 64, 1, &value, &error) == CB_STATUS_INVALID_ARGUMENT)
            #expect(message(of: &error) == "option 'threads' must be an integer between 1 and 64, got '65'")
        }
    }

    static func defect(_ pairs: [(String, String)]) -> (Outcome, Int) {
        withOptions(pairs) { options, count in
            withCStrings(defects) { choices in
                var error = ErrorSlotTests.slot()
                error.message.0 = 0
                var index = 99
                let status = cbs_option_choice(options, count, "defect", choices, defects.count, 0, &index, &error)
                return (Outcome(status: status, message: message(of: &error)), index)
            }
        }
    }

    @Test func parsesChoices() {
        #expect(Self.defect([("defect", "rmsnorm-eps-outside-sqrt")]) == (.ok(), 3))
        #expect(Self.defect([]) == (.ok(), 0))
        let (outcome, index) = Self.defect([("defect", "fp8")])
        #expect(
            outcome
                == .invalid(
                    "option 'defect' has unknown value 'fp8'; expected one of none, fp16-accumulation, "
                        + "softmax-no-max-subtraction, rmsnorm-eps-outside-sqrt"))
        #expect(index == 99)
    }
}

/// Calls body with a C array of the given key/value pairs, valid only during the call.
func withOptions<T>(_ pairs: [(String, String)], _ body: (UnsafePointer<cb_option>?, Int) -> T) -> T {
    withCStrings(pairs.map(\.0)) { keys in
        withCStrings(pairs.map(\.1)) { values in
            let options = (0..<pairs.count).map { cb_option(key: keys[$0], value: values[$0]) }
            return options.withUnsafeBufferPointer { body($0.baseAddress, pairs.count) }
        }
    }
}

/// Calls body with C copies of strings, valid only during the call.
func withCStrings<T>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
