import Testing

@Test func placeholderCertifyBackendSupportTests() { #expect(Bool(true)) }
