import CertifyBattery
import Testing

@testable import CertifyProfiles

@Suite struct ShippedProfileTests {
    /// Every bundled profile budgets the four original kernels by name and the rest by `default`.
    static let kernels: Set<String> = ["gemm", "softmax", "rmsnorm", "silu", Battery.defaultBudgetKey]

    @Test func theExpectedProfilesShip() {
        #expect(
            TestSupport.yamlFiles(in: "Profiles") == [
                "Profiles/ascend.yaml", "Profiles/cambricon.yaml", "Profiles/cpu.yaml", "Profiles/hygon.yaml",
                "Profiles/onednn.yaml", "Profiles/openblas.yaml", "Profiles/opencl-pocl.yaml",
            ]
        )
        #expect(
            TestSupport.yamlFiles(in: "Profiles/tiers") == [
                "Profiles/tiers/developer.yaml", "Profiles/tiers/enterprise.yaml", "Profiles/tiers/finance.yaml",
                "Profiles/tiers/state-owned.yaml",
            ]
        )
    }

    @Test(arguments: TestSupport.yamlFiles(in: "Profiles"))
    func chipProfileLoads(_ file: String) throws {
        let path = TestSupport.repositoryFile(file)
        let profile = try ProfileLoader.loadChip(path: path, budgetKeys: Battery.budgetKeys)
        #expect(profile.path == path)
        #expect(profile.schema == 1)
        // The four original kernels by name (top-k and attention too where the backend runs them on
        // the host's CPU), the rest by default.
        #expect(
            Set(profile.latency.budgets.keys).subtracting(["topk", "attention", "attention_varlen", "attention_paged"]) == Self.kernels)
        // Attention on the host's CPU: the standard suite's chunked prefill takes ~90 ms quiet on one
        // core, so its budget is 1 s, for a level that holds under load (docs/profiles.md).
        if !["Profiles/onednn.yaml", "Profiles/openblas.yaml"].contains(file) {
            #expect(profile.latency.budgets["attention"]?.p50Microseconds == 1_000_000)
            // The serving attentions (ABI 1.2) are budgeted like attention: the standard suite's
            // batch holds a 64-query chunk over 1024 keys.
            for kernel in ["attention_varlen", "attention_paged"] {
                #expect(profile.latency.budgets[kernel] == profile.latency.budgets["attention"], "\(kernel)")
            }
        }
        // Every dtype with a declared peak has a declared accumulation type.
        #expect(Set(profile.peaks.tflops.keys) == Set(profile.numerics.accumulation.keys))
        // A profile is named after its backend, optionally followed by the device: opencl-pocl.
        let name = file.dropFirst("Profiles/".count).dropLast(".yaml".count)
        #expect(profile.backend.library == "certify_backend_" + name.prefix { $0 != "-" })
    }

    @Test(arguments: TestSupport.yamlFiles(in: "Profiles/tiers"))
    func tierProfileLoads(_ file: String) throws {
        let path = TestSupport.repositoryFile(file)
        let tier = try ProfileLoader.loadTier(path: path)
        #expect(tier.path == path)
        #expect(file.hasSuffix("/\(tier.id).yaml"))
    }

    @Test func ascendDecodes() throws {
        let profile = try ProfileLoader.loadChip(path: TestSupport.repositoryFile("Profiles/ascend.yaml"))
        #expect(profile.chip == ChipIdentity(vendor: "Huawei", family: "Ascend", model: "910B"))
        #expect(profile.peaks == DeclaredPeaks(tflops: [.fp32: 94, .fp16: 376, .bf16: 376], memoryBandwidthGBps: 1600))
        #expect(
            profile.backend
                == BackendSpec(
                    library: "certify_backend_ascend",
                    options: [BackendOption(key: "device_id", value: "0")]
                )
        )
        #expect(profile.numerics.accumulation[.fp16] == .fp32)
        #expect(
            profile.numerics
                == DeclaredNumerics(
                    accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32],
                    denormals: .flush,
                    rounding: .nearestEven
                )
        )
        #expect(profile.latency.warmup == 3)
        #expect(profile.latency.iterations == 25)
        #expect(profile.latency.budgets["gemm"] == LatencyBudget(p50Microseconds: 200_000, p99Microseconds: 400_000))
        #expect(profile.latency.budgets["silu"] == LatencyBudget(p50Microseconds: 50_000, p99Microseconds: 100_000))
    }

    @Test func cambriconDeclaresTruncationAndFlush() throws {
        let profile = try ProfileLoader.loadChip(path: TestSupport.repositoryFile("Profiles/cambricon.yaml"))
        #expect(profile.chip.model == "MLU370-X8")
        #expect(profile.numerics.rounding == .towardZero)
        #expect(profile.numerics.denormals == .flush)
        #expect(profile.peaks.memoryBandwidthGBps == 614.4)
    }

    @Test func cpuAndHygonKeepSubnormals() throws {
        for name in ["cpu", "hygon"] {
            let profile = try ProfileLoader.loadChip(path: TestSupport.repositoryFile("Profiles/\(name).yaml"))
            #expect(profile.numerics.denormals == .preserve)
            #expect(profile.numerics.rounding == .nearestEven)
            #expect(profile.numerics.accumulation.values.allSatisfy { $0 == .fp32 })
        }
    }

    @Test func tiersDecode() throws {
        let developer = try ProfileLoader.loadTier(path: TestSupport.repositoryFile("Profiles/tiers/developer.yaml"))
        #expect(developer.name == "Developer")
        #expect(developer.requiredLevel == 1)
        #expect(developer.toleranceScale == 1.0)
        let stateOwned = try ProfileLoader.loadTier(path: TestSupport.repositoryFile("Profiles/tiers/state-owned.yaml"))
        #expect(stateOwned.id == "state-owned")
        #expect(stateOwned.name == "State-owned enterprise")
        #expect(stateOwned.requiredLevel == 3)
        #expect(stateOwned.toleranceScale == 0.5)
        #expect(stateOwned.soak == 10)
        #expect(stateOwned.runs == 5)
        let finance = try ProfileLoader.loadTier(path: TestSupport.repositoryFile("Profiles/tiers/finance.yaml"))
        #expect(finance.requiredLevel == 2)
        #expect(finance.toleranceScale == 0.5)
        #expect(finance.latencyPercentile == .p99)
        #expect(finance.iterations == 100)
        #expect(finance.minTimeMilliseconds == 200)
        #expect(finance.requiresDrawnSeed && stateOwned.requiresDrawnSeed && !developer.requiresDrawnSeed)
    }
}
