import CertifyBase
import CertifyProfiles

extension ChipProfile {
    /// The profile with `overrides` ("key=value", from `--backend-option`) over its
    /// `backend.options`: a key the profile has takes the new value, a new key is appended. The
    /// profile file, and so its SHA-256 in the report, is unchanged: this is how one profile
    /// serves every node of a sharded run, each on its own device.
    package func overridingBackendOptions(_ overrides: [String]) throws(Failure) -> ChipProfile {
        var profile = self
        for text in overrides {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw Failure(.usage, "--backend-option '\(text)' is not key=value")
            }
            let option = BackendOption(key: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
            if let at = profile.backend.options.firstIndex(where: { $0.key == option.key }) {
                profile.backend.options[at] = option
            } else {
                profile.backend.options.append(option)
            }
        }
        return profile
    }
}
