import Crypto
import Foundation
import Testing

@testable import CertifyTrust

struct PAETests {
    @Test func matchesTheDSSESpecificationVector() {
        // DSSE protocol.md, "Test Vectors".
        let pae = PAE.encode(payloadType: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func countsBytesNotCharacters() {
        let pae = PAE.encode(payloadType: "é", payload: Data([0xff, 0x00]))
        #expect(pae == Data("DSSEv1 2 é 2 ".utf8) + Data([0xff, 0x00]))
    }

    @Test func encodesEmptyFields() {
        #expect(PAE.encode(payloadType: "", payload: Data()) == Data("DSSEv1 0  0 ".utf8))
    }

    @Test func ed25519MatchesRFC8032TestOne() throws {
        // RFC 8032 section 7.1, TEST 1: the signature primitive the envelopes use is standard Ed25519.
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKey.rawRepresentation == hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        let expected = hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.publicKey.isValidSignature(expected, for: Data()))
        #expect(try key.signature(for: Data()) == expected)
    }

    @Test func keyidIsTheSHA256OfTheRawPublicKey() throws {
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
        // hashlib.sha256(bytes.fromhex("d75a98…511a")).hexdigest()
        #expect(SigningIdentity.keyid(key) == "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9")
    }

    private func hex(_ text: String) -> Data {
        var data = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            data.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return data
    }
}
