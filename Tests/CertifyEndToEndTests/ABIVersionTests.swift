import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// Plugin ABI 1.2 next to 1.1 and 1.0: query() and device_info() write only as far as the
/// caller's struct_size, the harness reads only as far as the plugin says it filled, and a plugin
/// built against 1.0 or 1.1 still certifies on what its minor defines (certify_backend.h,
/// "Versioning").
@Suite struct ABIVersionTests {
    /// A plugin as built against ABI 1.0: cb_capability and cb_device_info as 1.0 laid them out,
    /// abi_minor 0, writing its whole (1.0) struct whatever size the caller gives, as 1.0 plugins
    /// did. It forwards to the bundled cpu backend, which it asks as a 1.0 harness would, and
    /// fails the call if that backend filled more than a 1.0 caller has. Built with SCRIBBLE, it
    /// also writes the 1.1 fields when the caller's struct has them, yet says it filled the 1.0
    /// struct only: the harness must then not read them.
    static let plugin1_0 = """
        #include <dlfcn.h>
        #include <string.h>
        #include "certify_backend.h"

        typedef struct { size_t struct_size; uint32_t supported, accumulation, denormals, rounding; } capability_1_0;
        typedef struct {
            size_t struct_size;
            char name[128], vendor[128], driver_version[128];
            uint64_t memory_bytes;
        } device_info_1_0;

        static const cb_api *inner;
        static cb_api table;
        #if MINOR == 0

        static cb_status query(cb_backend *backend, uint32_t kernel, uint32_t dtype, cb_capability *out, cb_error *error) {
            capability_1_0 answer = {.struct_size = sizeof answer};
            cb_status status = inner->query(backend, kernel, dtype, (cb_capability *)(void *)&answer, error);
            if (status == CB_STATUS_OK && answer.struct_size != sizeof answer) return CB_STATUS_INTERNAL;
            size_t asked = out->struct_size;
            if (status == CB_STATUS_OK) memcpy(out, &answer, sizeof answer);
        #ifdef SCRIBBLE
            if (status == CB_STATUS_OK && asked >= sizeof(cb_capability)) out->intermediates = CB_DTYPE_BF16;
        #endif
            (void)asked;
            return status;
        }

        static cb_status device_info(cb_backend *backend, cb_device_info *out, cb_error *error) {
            device_info_1_0 answer = {.struct_size = sizeof answer};
            cb_status status = inner->device_info(backend, (cb_device_info *)(void *)&answer, error);
            if (status == CB_STATUS_OK && answer.struct_size != sizeof answer) return CB_STATUS_INTERNAL;
            size_t asked = out->struct_size;
            if (status == CB_STATUS_OK) memcpy(out, &answer, sizeof answer);
        #ifdef SCRIBBLE
            if (status == CB_STATUS_OK && asked >= sizeof(cb_device_info)) strcpy(out->implementation, "scribbled");
        #endif
            (void)asked;
            return status;
        }
        #endif

        __attribute__((visibility("default"))) const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *request) {
            void *library = dlopen(INNER, RTLD_NOW | RTLD_LOCAL);
            certify_backend_bootstrap_fn bootstrap =
                library ? (certify_backend_bootstrap_fn)dlsym(library, CERTIFY_BACKEND_BOOTSTRAP_SYMBOL) : NULL;
            inner = bootstrap ? bootstrap(request) : NULL;
            if (inner == NULL) return NULL;
            table = *inner;
            table.abi_minor = MINOR;
            table.backend_name = "legacy";
        #if MINOR == 0
            table.query = query;
            table.device_info = device_info;
        #endif
            return &table;
        }
        """

    /// A plugin of an older minor: 1.0 (its output structs as 1.0 laid them out, with and without
    /// scribbling past them) and 1.1 (the structs of today, no ABI 1.2 kernels or flags). Every
    /// case its minor defines passes; the cases of ABI 1.2 are not asked and are recorded as
    /// unsupported, naming the ABI the plugin speaks, which costs L2 (extended cases) but not L1.
    @Test(arguments: [(0, false), (0, true), (1, false)])
    func aPluginBuiltAgainstAnOlderMinorStillCertifies(minor: Int, scribbling: Bool) throws {
        let folder = try TemporaryDirectory()
        let cpu = CLI.buildDirectory.appendingPathComponent("libcertify_backend_cpu.so").path
        let library = try compileC(
            Self.plugin1_0, in: folder, output: "liblegacy.so",
            ["-shared", "-fPIC", "-DINNER=\"\(cpu)\"", "-DMINOR=\(minor)", "-ldl"] + (scribbling ? ["-DSCRIBBLE"] : []))
        let chip = try folder.write("legacy.yaml", profile("cpu.yaml", library: library))
        let result = try CLI.run(["--chip", chip, "--suite", "quick", "--output", folder.path("report")])
        #expect(result.status == 0, "\(result.stderr)")
        let cases = Battery.cases(.quick)
        let newer = cases.filter { $0.abiMinor > minor }
        #expect(newer.count >= 20)
        #expect(
            result.stdout.contains("\(cases.count) cases: \(cases.count - newer.count) passed, 0 failed, \(newer.count) unsupported"),
            "\(result.stdout)")
        #expect(result.stdout.contains("backend  legacy 1.0.0, ABI 1.\(minor), "), "\(result.stdout)")

        let p = try Statement.read(folder: folder.url.appendingPathComponent("report")).predicate
        #expect(p.backend.abiVersion == "1.\(minor)")
        for c in p.cases where newer.contains(where: { $0.id == c.id }) {
            #expect(c.outcome == .unsupported)
            #expect(c.message?.hasSuffix("needs plugin ABI 1.2; the backend speaks ABI 1.\(minor)") == true, "\(c.message ?? "")")
        }
        #expect(p.level.reached == 1)
        #expect(p.level.gaps.first?.reasons.contains { $0.contains("attention_paged.fp16.paged-decode") && $0.contains("not supported") } == true)
        guard minor == 0 else { return }
        #expect(!result.stdout.contains("\nimpl "), "\(result.stdout)")
        #expect(p.backend.implementation == nil)
        #expect(p.cases.allSatisfy { ($0.capability != nil || $0.outcome == .unsupported) && $0.capability?.intermediates == nil })
        // Absent fields are left out, so the report reads as one written before 1.1 would.
        let text = try ["report.json", "cases.json"].map {
            String(decoding: try Data(contentsOf: folder.url.appendingPathComponent("report/\($0)")), as: UTF8.self)
        }.joined()
        #expect(!text.contains("\"implementation\"") && !text.contains("\"intermediates\""))
    }

    /// Loads a plugin and, for device_info() and query() of every kernel × dtype (and one past
    /// the last), checks with a canary after the struct that it writes nothing past the caller's
    /// struct_size: ABI 1.0's size, the full 1.1 size (a newer caller's is larger still, so 64
    /// bytes more), and below 1.0, which must be refused with nothing written. Prints "ok".
    static let checker = """
        #include <dlfcn.h>
        #include <stdio.h>
        #include <string.h>
        #include "certify_backend.h"

        #define CANARY 0xA5
        #define SLACK 64
        static int failures;

        typedef cb_status (*fill_fn)(const cb_api *, cb_backend *, uint32_t, uint32_t, void *, cb_error *);
        static cb_status info(const cb_api *api, cb_backend *b, uint32_t k, uint32_t d, void *out, cb_error *e) {
            (void)k, (void)d;
            return api->device_info(b, out, e);
        }
        static cb_status query(const cb_api *api, cb_backend *b, uint32_t k, uint32_t d, void *out, cb_error *e) {
            return api->query(b, k, d, out, e);
        }

        static void check(const char *what, const cb_api *api, cb_backend *backend, fill_fn fill, uint32_t kernel,
                          uint32_t dtype, size_t asked, size_t full, size_t size_1_0) {
            union { max_align_t align; unsigned char bytes[1024]; } buffer;
            memset(buffer.bytes, CANARY, sizeof buffer.bytes);
            memcpy(buffer.bytes, &asked, sizeof asked);
            cb_error error = {.struct_size = sizeof error};
            cb_status status = fill(api, backend, kernel, dtype, buffer.bytes, &error);
            size_t returned;
            memcpy(&returned, buffer.bytes, sizeof returned);
            size_t expected = asked < full ? asked : full;
            size_t untouched_from = asked < size_1_0 ? sizeof(size_t) : expected;
            if (asked < size_1_0 ? status != CB_STATUS_INVALID_ARGUMENT || returned != asked
                                 : status != CB_STATUS_OK || returned != expected) {
                printf("%s(%u, %u) with struct_size %zu: status %d, struct_size %zu back\\n", what, kernel, dtype, asked,
                       (int)status, returned);
                failures++;
            }
            for (size_t i = untouched_from; i < full + SLACK; i++) {
                if (buffer.bytes[i] != CANARY) {
                    printf("%s(%u, %u) with struct_size %zu wrote byte %zu\\n", what, kernel, dtype, asked, i);
                    failures++;
                    break;
                }
            }
        }

        int main(int argc, char **argv) {
            if (argc != 2) return 2;
            void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
            if (library == NULL) { printf("%s\\n", dlerror()); return 2; }
            certify_backend_bootstrap_fn bootstrap =
                (certify_backend_bootstrap_fn)dlsym(library, CERTIFY_BACKEND_BOOTSTRAP_SYMBOL);
            cb_bootstrap_request request = {sizeof request, CERTIFY_ABI_VERSION_MAJOR, CERTIFY_ABI_VERSION_MINOR};
            const cb_api *api = bootstrap ? bootstrap(&request) : NULL;
            cb_backend *backend = NULL;
            cb_error error = {.struct_size = sizeof error};
            if (api == NULL || api->create(NULL, 0, &backend, &error) != CB_STATUS_OK) {
                printf("cannot create the backend: %s\\n", error.message);
                return 2;
            }
            size_t info_sizes[] = {CB_DEVICE_INFO_SIZE_1_0, sizeof(cb_device_info), sizeof(cb_device_info) + SLACK,
                                   CB_DEVICE_INFO_SIZE_1_0 - 8};
            for (size_t s = 0; s < 4; s++) {
                check("device_info", api, backend, info, 0, 0, info_sizes[s], sizeof(cb_device_info),
                      CB_DEVICE_INFO_SIZE_1_0);
            }
            size_t query_sizes[] = {CB_CAPABILITY_SIZE_1_0, sizeof(cb_capability), sizeof(cb_capability) + SLACK,
                                    CB_CAPABILITY_SIZE_1_0 - 8};
            for (uint32_t kernel = 1; kernel <= CB_KERNEL_GEMM_I8_DEQUANT + 1; kernel++) {
                for (uint32_t dtype = 1; dtype <= CB_DTYPE_I32; dtype++) {
                    for (size_t s = 0; s < 4; s++) {
                        check("query", api, backend, query, kernel, dtype, query_sizes[s], sizeof(cb_capability),
                              CB_CAPABILITY_SIZE_1_0);
                    }
                }
            }
            api->destroy(backend);
            if (failures == 0) printf("ok\\n");
            return failures != 0;
        }
        """

    /// Every plugin this repository builds, the ones over real libraries when they are built (or
    /// in CI, which builds them).
    static let plugins = ["cpu", "ascend", "cambricon", "hygon", "defective", "faulty"]
        + ["openblas", "onednn", "opencl"].filter(RealLibraryTests.available)

    @Test(arguments: plugins)
    func writesNoBytePastTheCallersStructSize(_ name: String) throws {
        let folder = try TemporaryDirectory()
        let checker = try compileC(Self.checker, in: folder, output: "check", ["-ldl"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: checker)
        process.arguments = [CLI.buildDirectory.appendingPathComponent("libcertify_backend_\(name).so").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && printed == "ok\n", "\(printed)")
    }
}
