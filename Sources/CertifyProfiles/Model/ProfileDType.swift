/// A floating-point storage or accumulation type a profile can name.
package enum ProfileDType: String, Sendable, CaseIterable, Hashable {
    case fp32, fp16, bf16
}
