import CertifyTrust
import Foundation

/// A file in the report folder that the signed statement binds by its SHA-256 instead of holding
/// its content: the case records (cases.json) and the latency samples (latency.bin). The signature
/// covers the digest, so the file is as much signed as the statement is.
package struct SideFileRecord: Sendable, Codable, Equatable {
    /// The file's name in the report folder.
    package var file: String
    /// The file's layout and its version.
    package var format: String
    package var sha256: String
    package var bytes: Int

    /// How the statement names a side file called `file`, of layout `format`, whose bytes are `data`.
    package init(file: String, format: String, contents data: Data) {
        (self.file, self.format) = (file, format)
        (sha256, bytes) = (FileDigest.sha256([UInt8](data)), data.count)
    }

    /// The file's bytes in `folder`, once they are known to be the ones the statement records;
    /// `what` names the content in the errors ("the latency samples").
    ///
    /// Throws `.malformed` when the record names no plain file of the folder, `.badSignature` when
    /// the file is missing or its SHA-256 is not the recorded one (the signature covers that digest).
    package func contents(in folder: URL, what: String) throws(VerificationError) -> Data {
        guard !file.isEmpty, !file.contains("/"), file != "..", file != "." else {
            throw VerificationError(.malformed, "the statement names '\(file)' for \(what), which is not a file name in the report folder")
        }
        let url = folder.appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw VerificationError(
                .badSignature,
                "\(what) '\(url.path)' are missing; the signed statement records them by sha256 \(sha256): keep \(file) with report.dsse.json")
        }
        let digest = FileDigest.sha256([UInt8](data))
        guard digest == sha256 else {
            throw VerificationError(
                .badSignature,
                "\(what) '\(url.path)' (sha256 \(digest)) are not the ones the signed statement records (sha256 \(sha256)): "
                    + "the file was altered or belongs to another report")
        }
        return data
    }
}

/// One kind of side file: its name and layout, where the statement records it, and how its
/// content goes back into the statement.
package protocol SideFile {
    /// The file's name in a report folder.
    static var name: String { get }
    /// `SideFileRecord.format` for the layout this certify writes and reads.
    static var format: String { get }
    /// What the file holds, as the errors name it ("the latency samples").
    static var content: String { get }
    /// Where the statement records the file.
    static var recordKey: WritableKeyPath<CertificationPredicate, SideFileRecord?> { get }
    /// Puts the content of `data`, already known to be the file `record` names, into `statement`.
    static func attach(_ data: Data, to statement: inout Statement, record: SideFileRecord) throws(VerificationError)
}

extension SideFile {
    /// How the statement names the side file whose bytes are `data`.
    package static func record(_ data: Data) -> SideFileRecord {
        SideFileRecord(file: name, format: format, contents: data)
    }

    /// Puts what the side file in `folder` holds into `statement`, after checking the file is the
    /// one the statement signs (`SideFileRecord.contents`). A statement that names no such file (a
    /// report written before it, its content inline) is left as it is.
    package static func attach(to statement: inout Statement, folder: URL) throws(VerificationError) {
        guard let record = statement.predicate[keyPath: recordKey] else { return }
        try attach(try record.contents(in: folder, what: content), to: &statement, record: record)
    }

    /// Throws `.malformed` unless `record` names this certify's layout.
    static func checkFormat(of record: SideFileRecord) throws(VerificationError) {
        guard record.format == format else {
            throw VerificationError(.malformed, "\(content) are in format '\(record.format)'; this certify reads '\(format)'")
        }
    }
}

extension Statement {
    /// Puts back what the statement's side files in `folder` hold: first the case records, then the
    /// latency samples into them. A statement that names no side file (written before them) is
    /// left as it is.
    package mutating func attachSideFiles(from folder: URL) throws(VerificationError) {
        try CaseRecordFile.attach(to: &self, folder: folder)
        try LatencySampleFile.attach(to: &self, folder: folder)
    }

    /// The statement in the report folder `folder` (report.json, not verified) with what its side
    /// files hold, each checked against the digest the statement records.
    package static func read(folder: URL) throws -> Statement {
        var statement = try decode(Data(contentsOf: folder.appendingPathComponent(ReportWriter.statementFile)))
        try statement.attachSideFiles(from: folder)
        return statement
    }
}
