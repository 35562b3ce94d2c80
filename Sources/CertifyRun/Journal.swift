import CertifyBattery
import Foundation

/// The run's journal: `journal.jsonl` in the report folder, a header line then one `CaseResult`
/// per line, appended as each case finishes, so an interrupted run loses nothing and
/// `--resume` continues it.
package final class Journal {
    package static let file = "journal.jsonl"

    /// What a resumed run must agree with.
    package struct Header: Codable, Equatable, Sendable {
        package var battery: String
        package var suite: Suite
        package var seed: UInt64
        package var chipSHA256: String
        package var isolation: String
        package var startedAt: String
        /// Where the seed came from, so that a resumed run keeps a drawn seed drawn.
        package var seedOrigin: SeedOrigin?
        /// The SHA-256 of the report a reproduction repeats.
        package var reproduces: String?
        /// The part of the suite the run covers; absent: the whole suite.
        package var shard: Shard?

        package init(
            battery: String, suite: Suite, seed: UInt64, chipSHA256: String, isolation: String, startedAt: String,
            seedOrigin: SeedOrigin? = nil, reproduces: String? = nil, shard: Shard? = nil
        ) {
            self.shard = shard
            self.battery = battery
            self.suite = suite
            self.seed = seed
            self.chipSHA256 = chipSHA256
            self.isolation = isolation
            self.startedAt = startedAt
            self.seedOrigin = seedOrigin
            self.reproduces = reproduces
        }
    }

    /// Why a journal could not be read or continued, in one sentence.
    package struct Problem: Error, Equatable {
        package var message: String
    }

    private let handle: FileHandle

    /// Starts a new journal in `directory` with `header`, replacing any there.
    package init(creatingIn directory: URL, header: Header) throws {
        let url = directory.appendingPathComponent(Self.file)
        try (try Self.line(header)).write(to: url)
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
    }

    /// Opens the journal in `directory` to append to it.
    package init(appendingIn directory: URL) throws {
        handle = try FileHandle(forWritingTo: directory.appendingPathComponent(Self.file))
        handle.seekToEndOfFile()
    }

    deinit {
        try? handle.close()
    }

    /// Appends one finished case; the line is written with a single write.
    package func append(_ result: CaseResult) {
        if let line = try? Self.line(result) { handle.write(line) }
    }

    /// The header and every complete case line of the journal in `directory`; a torn last line
    /// (the run was killed mid-write) is ignored.
    package static func read(from directory: URL) throws(Problem) -> (Header, [CaseResult]) {
        let url = directory.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url) else {
            throw Problem(message: "'\(url.path)' does not exist or cannot be read; is it a report folder of an interrupted run?")
        }
        let lines = data.split(separator: UInt8(ascii: "\n"))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: Data(first)) else {
            throw Problem(message: "'\(url.path)' has no valid header line")
        }
        let results = lines.dropFirst().compactMap { try? decoder.decode(CaseResult.self, from: Data($0)) }
        return (header, results)
    }

    private static func line<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
