import Foundation

/// DSSE's pre-authentication encoding, the bytes a DSSE signature covers.
///
/// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, where LEN is the
/// ASCII decimal byte length without leading zeros (DSSE protocol, "Signature definition").
package enum PAE {
    /// The encoding of `payload` with `payloadType`; lengths count UTF-8 bytes.
    package static func encode(payloadType: String, payload: Data) -> Data {
        let type = Data(payloadType.utf8)
        var bytes = Data("DSSEv1 \(type.count) ".utf8)
        bytes.append(type)
        bytes.append(Data(" \(payload.count) ".utf8))
        bytes.append(payload)
        return bytes
    }
}
