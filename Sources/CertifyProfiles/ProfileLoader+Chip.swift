import CertifyNumerics
/// A YAML boolean as a profile spells it.
enum ProfileBool: String {
    case `true`, `false`
}

extension ProfileLoader {
    private static let chipKeys = ["schema", "description", "chip", "peaks", "backend", "numerics", "latency"]
    private static let dtypeNames = DType.storageFormats.map(\.rawValue)
    /// Generous limits that keep a typo from scheduling a run of years.
    private static let warmupRange = 0...1_000_000
    private static let iterationsRange = 1...1_000_000

    static func decodeChip(_ root: YAMLNode, decoder: ProfileDecoder, budgetKeys: Set<String>?) throws(ProfileError)
        -> ChipProfile
    {
        let fields = try decoder.mapping(root, at: .root)
        let schema = try decodeSchema(fields, decoder: decoder)
        try fields.rejectUnknownKeys(allowed: chipKeys)
        if let description = fields["description"] {
            _ = try decoder.string(description.value, at: description.path)
        }
        let chip = try decodeIdentity(fields.required("chip"), decoder: decoder)
        let peaks = try decodePeaks(fields.required("peaks"), decoder: decoder)
        let backend = try decodeBackend(fields.required("backend"), decoder: decoder)
        let numerics = try decodeNumerics(fields.required("numerics"), decoder: decoder)
        var latency = LatencySpec.default
        if let entry = fields["latency"] {
            latency = try decodeLatency(entry, decoder: decoder, budgetKeys: budgetKeys)
        }
        return ChipProfile(
            schema: schema,
            chip: chip,
            peaks: peaks,
            backend: backend,
            numerics: numerics,
            latency: latency,
            path: decoder.source.path
        )
    }

    private static func decodeIdentity(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> ChipIdentity
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: ["vendor", "family", "model"])
        func text(_ key: String) throws(ProfileError) -> String {
            let field = try fields.required(key)
            return try decoder.nonEmptyString(field.value, at: field.path)
        }
        return try ChipIdentity(vendor: text("vendor"), family: text("family"), model: text("model"))
    }

    private static func decodePeaks(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> DeclaredPeaks
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: ["tflops", "memory_bandwidth_gbps"])
        let tflopsEntry = try fields.required("tflops")
        let tflopsFields = try dtypeMapping(tflopsEntry, decoder: decoder)
        var tflops: [DType: Double] = [:]
        for field in tflopsFields.entries {
            guard let dtype = DType(rawValue: field.key) else { continue }
            tflops[dtype] = try decoder.positiveNumber(field.value, at: field.path)
        }
        let bandwidth = try fields.required("memory_bandwidth_gbps")
        return DeclaredPeaks(
            tflops: tflops,
            memoryBandwidthGBps: try decoder.positiveNumber(bandwidth.value, at: bandwidth.path)
        )
    }

    private static func decodeBackend(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> BackendSpec
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: ["library", "sha256", "options"])
        let library = try fields.required("library")
        var spec = BackendSpec(library: try decoder.nonEmptyString(library.value, at: library.path))
        if let sha = fields["sha256"] {
            let text = try decoder.string(sha.value, at: sha.path)
            guard text.count == 64, text.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
                throw decoder.badValue(
                    sha.value,
                    at: sha.path,
                    "\(sha.path.asSubject) must be 64 hexadecimal digits, got \(quoted(text))"
                )
            }
            spec.sha256 = text.lowercased()
        }
        if let options = fields["options"] {
            for option in try decoder.mapping(options.value, at: options.path).entries {
                guard let value = option.value.scalarText else {
                    throw decoder.wrongType(option.value, at: option.path, expected: "a scalar")
                }
                spec.options.append(BackendOption(key: option.key, value: value))
            }
        }
        return spec
    }

    private static func decodeNumerics(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> DeclaredNumerics
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: ["accumulation", "denormals", "rounding", "intermediates"])
        let accumulationFields = try dtypeMapping(fields.required("accumulation"), decoder: decoder)
        var accumulation: [DType: DType] = [:]
        for field in accumulationFields.entries {
            guard let dtype = DType(rawValue: field.key) else { continue }
            accumulation[dtype] = try decoder.choice(DType.storageFormats, field.value, at: field.path)
        }
        let denormals = try fields.required("denormals")
        let rounding = try fields.required("rounding")
        var intermediates: [String: DeclaredIntermediates] = [:]
        if let entry = fields["intermediates"] {
            let kernels = try decoder.mapping(entry.value, at: entry.path)
            try kernels.rejectUnknownKeys(allowed: DeclaredIntermediates.kernels)
            for field in kernels.entries {
                intermediates[field.key] = try decoder.choice(DeclaredIntermediates.allCases, field.value, at: field.path)
            }
        }
        return DeclaredNumerics(
            accumulation: accumulation,
            denormals: try decoder.choice([DeclaredDenormals.preserve, .flush], denormals.value, at: denormals.path),
            rounding: try decoder.choice(
                [DeclaredRounding.nearestEven, .towardZero],
                rounding.value,
                at: rounding.path
            ),
            intermediates: intermediates
        )
    }

    private static func decodeLatency(
        _ entry: MappingFields.Entry,
        decoder: ProfileDecoder,
        budgetKeys: Set<String>?
    ) throws(ProfileError) -> LatencySpec {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: [
            "warmup", "iterations", "min_time_ms", "max_time_ms", "cold_cache", "cv_threshold", "budgets", "case_timeout_s",
        ])
        var latency = LatencySpec.default
        if let warmup = fields["warmup"] {
            latency.warmup = try decoder.integer(warmup.value, at: warmup.path, in: warmupRange)
        }
        if let iterations = fields["iterations"] {
            latency.iterations = try decoder.integer(iterations.value, at: iterations.path, in: iterationsRange)
        }
        if let minTime = fields["min_time_ms"] {
            latency.minTimeMilliseconds = try decoder.nonNegativeNumber(minTime.value, at: minTime.path)
        }
        if let maxTime = fields["max_time_ms"] {
            latency.maxTimeMilliseconds = try decoder.positiveNumber(maxTime.value, at: maxTime.path)
        }
        if let cold = fields["cold_cache"] {
            latency.coldCache = try decoder.choice([ProfileBool.true, .false], cold.value, at: cold.path) == .true
        }
        if let cv = fields["cv_threshold"] {
            latency.cvThreshold = try decoder.positiveNumber(cv.value, at: cv.path)
        }
        if let timeout = fields["case_timeout_s"] {
            latency.caseTimeoutSeconds = try decoder.positiveNumber(timeout.value, at: timeout.path)
        }
        guard let budgets = fields["budgets"] else { return latency }
        let budgetFields = try decoder.mapping(budgets.value, at: budgets.path)
        if let budgetKeys {
            try budgetFields.rejectUnknownKeys(allowed: budgetKeys.sorted())
        }
        for budget in budgetFields.entries {
            latency.budgets[budget.key] = try decodeBudget(budget, decoder: decoder)
        }
        return latency
    }

    private static func decodeBudget(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> LatencyBudget
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: ["p50_us", "p99_us"])
        var budget = LatencyBudget()
        if let p50 = fields["p50_us"] {
            budget.p50Microseconds = try decoder.positiveNumber(p50.value, at: p50.path)
        }
        if let p99 = fields["p99_us"] {
            budget.p99Microseconds = try decoder.positiveNumber(p99.value, at: p99.path)
        }
        guard budget.p50Microseconds != nil || budget.p99Microseconds != nil else {
            throw decoder.source.error(
                .missingKey,
                "missing key 'p50_us' or 'p99_us' \(entry.path.asParent)",
                at: fields.mark,
                keyPath: entry.path.appending("p50_us").dotted
            )
        }
        return budget
    }

    /// A mapping keyed by dtype names with at least one entry.
    private static func dtypeMapping(_ entry: MappingFields.Entry, decoder: ProfileDecoder) throws(ProfileError)
        -> MappingFields
    {
        let fields = try decoder.mapping(entry.value, at: entry.path)
        try fields.rejectUnknownKeys(allowed: dtypeNames)
        guard !fields.entries.isEmpty else {
            throw decoder.badValue(
                entry.value,
                at: entry.path,
                "\(entry.path.asSubject) must name at least one dtype, got an empty mapping"
            )
        }
        return fields
    }
}
