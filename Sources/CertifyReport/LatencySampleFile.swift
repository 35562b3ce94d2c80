import CertifyBattery
import CertifyTrust
import Foundation

/// The report's latency samples, kept out of the signed statement in a binary side file
/// (latency.bin in the report folder) that the statement binds by its SHA-256.
///
/// A case's samples are what a gate's rank test needs; as JSON integers they were nearly all of a
/// report's bytes. The file: the 4 bytes `CLAT`, a format version byte (1), then unsigned LEB128
/// varints — the number of cases, and for each case in the statement's order the byte length of
/// its id, the id in UTF-8, the number of samples, and every sample in timing order as the
/// zigzag-encoded difference from the one before it (the first from 0), in nanoseconds.
package enum LatencySampleFile: SideFile {
    /// The side file's name in a report folder.
    package static let name = "latency.bin"
    /// `SideFileRecord.format` for this layout.
    package static let format = "certify-latency-samples/1"
    package static let content = "the latency samples"
    package static var recordKey: WritableKeyPath<CertificationPredicate, SideFileRecord?> { \.latencySamples }
    static let magic: [UInt8] = Array("CLAT".utf8) + [1]

    /// The file's bytes for the samples of every case of `cases` that has a latency.
    package static func encode(_ cases: [CaseResult]) -> Data {
        let timed = cases.compactMap { c in c.latency.map { (c.id, $0.samples) } }
        var bytes = magic
        bytes.reserveCapacity(16 + timed.reduce(0) { $0 + $1.0.utf8.count + 2 * $1.1.count + 4 })
        appendVarint(UInt64(timed.count), to: &bytes)
        for (id, samples) in timed {
            appendVarint(UInt64(id.utf8.count), to: &bytes)
            bytes.append(contentsOf: id.utf8)
            appendVarint(UInt64(samples.count), to: &bytes)
            var previous: UInt64 = 0
            for sample in samples {
                let delta = Int64(bitPattern: sample &- previous)
                appendVarint(UInt64(bitPattern: (delta << 1) ^ (delta >> 63)), to: &bytes)
                previous = sample
            }
        }
        return Data(bytes)
    }

    /// The samples by case id in `data`; throws a sentence saying where the bytes stop making sense.
    package static func decode(_ data: Data) throws(Problem) -> [String: [UInt64]] {
        let bytes = [UInt8](data)
        guard bytes.count >= magic.count, Array(bytes.prefix(4)) == Array(magic.prefix(4)) else {
            throw Problem("it does not start with 'CLAT'")
        }
        guard bytes[4] == magic[4] else { throw Problem("it is format version \(bytes[4]); this certify reads version \(magic[4])") }
        var reader = Reader(bytes: bytes, offset: magic.count)
        var samples: [String: [UInt64]] = [:]
        let count = try reader.varint()
        for _ in 0..<count {
            let length = try reader.varint()
            let id = String(decoding: try reader.take(length), as: UTF8.self)
            let n = try reader.varint()
            // Each sample takes at least one byte: a count beyond the bytes left is a lie.
            guard n <= UInt64(bytes.count - reader.offset) else { throw Problem("case '\(id)' claims \(n) samples in \(bytes.count - reader.offset) bytes") }
            var values: [UInt64] = []
            values.reserveCapacity(Int(n))
            var previous: UInt64 = 0
            for _ in 0..<n {
                let zigzag = try reader.varint()
                let delta = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
                previous = previous &+ UInt64(bitPattern: delta)
                values.append(previous)
            }
            guard samples.updateValue(values, forKey: id) == nil else { throw Problem("case '\(id)' appears twice") }
        }
        guard reader.offset == bytes.count else { throw Problem("\(bytes.count - reader.offset) bytes follow the last case") }
        return samples
    }

    /// Puts the samples in `data`, already known to be the file `record` names, into `statement`'s cases.
    package static func attach(_ data: Data, to statement: inout Statement, record: SideFileRecord) throws(VerificationError) {
        try checkFormat(of: record)
        let samples: [String: [UInt64]]
        do {
            samples = try decode(data)
        } catch {
            throw VerificationError(.malformed, "\(record.file) is not a latency sample file: \(error.message)")
        }
        for index in statement.predicate.cases.indices {
            guard let latency = statement.predicate.cases[index].latency else { continue }
            let id = statement.predicate.cases[index].id
            guard let values = samples[id], values.count == latency.statistics.count else {
                throw VerificationError(
                    .malformed,
                    "\(record.file) holds \(samples[id].map { "\($0.count) samples" } ?? "no samples") for case '\(id)', "
                        + "whose latency the statement summarises over \(latency.statistics.count)")
            }
            statement.predicate.cases[index].latency = latency.withSamples(values)
        }
    }

    /// Why a side file cannot be read.
    package struct Problem: Error, Equatable {
        package var message: String

        init(_ message: String) {
            self.message = message
        }
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private struct Reader {
        var bytes: [UInt8]
        var offset: Int

        mutating func varint() throws(Problem) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                guard shift < 64, shift < 63 || byte <= 1 else { throw Problem("a varint at byte \(offset - 1) overflows 64 bits") }
                value |= UInt64(byte & 0x7f) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            throw Problem("it ends inside a varint")
        }

        mutating func take(_ count: UInt64) throws(Problem) -> ArraySlice<UInt8> {
            guard count <= UInt64(bytes.count - offset) else { throw Problem("it ends inside a case id") }
            defer { offset += Int(count) }
            return bytes[offset..<offset + Int(count)]
        }
    }
}
