import Testing

@Test func placeholderCertifyCommandsTests() { #expect(Bool(true)) }
