/// This program's name and version, as reports record them.
package enum Harness {
    package static let name = "certify"
    package static let version = "0.1.0"
}
