import Testing

@Test func placeholderCertifyProfilesTests() { #expect(Bool(true)) }
