import Foundation
import Testing

@testable import CertifyReport

/// The host's numerics ISA features, as read from /proc/cpuinfo.
struct HostRecordTests {
    /// The first processor of an AMD EPYC (Zen 4) VM, as Linux 6.x prints it (flags abridged only
    /// by the processor lines after it).
    static let epyc = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD EPYC
        flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext cpuid_fault vmmcall fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx512_bf16 clzero xsaveerptr arat avx512vbmi umip avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid fsrm
        bugs\t\t: sysret_ss_attrs null_seg spectre_v1 spectre_v2

        processor\t: 1
        flags\t\t: fpu avx512_fp16 amx_tile

        """

    /// An Arm Neoverse V1 (Graviton3) core.
    static let neoverse = """
        processor\t: 0
        BogoMIPS\t: 2100.00
        Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
        CPU implementer\t: 0x41

        """

    @Test func x86KeepsTheNumericsFlagsOfTheFirstProcessorInReportOrder() {
        #expect(
            HostRecord.isaFeatures(cpuinfo: Self.epyc)
                == ["fma", "f16c", "avx", "avx2", "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16"])
    }

    @Test func armKeepsTheNumericsFeatures() {
        #expect(
            HostRecord.isaFeatures(cpuinfo: Self.neoverse)
                == ["asimd", "fphp", "asimdhp", "asimddp", "asimdfhm", "bf16", "i8mm", "sve", "svebf16", "svei8mm"])
    }

    @Test func noFeatureLineIsUnknownNotEmpty() {
        #expect(HostRecord.isaFeatures(cpuinfo: "processor\t: 0\nisa\t\t: rv64imafdc\n") == nil)
        #expect(HostRecord.isaFeatures(cpuinfo: "flags\t\t: fpu vme sse sse2\n") == [])
    }

    @Test func aReportWrittenBeforeTheFieldsExistedDecodes() throws {
        var statement = syntheticStatement()
        statement.predicate.host.isaFeatures = nil
        statement.predicate.backend.implementation = nil
        let text = String(decoding: try statement.encoded(), as: UTF8.self)
        #expect(!text.contains("isaFeatures") && !text.contains("implementation") && !text.contains("intermediates"))
        #expect(try Statement.decode(Data(text.utf8)) == statement)
    }
}
