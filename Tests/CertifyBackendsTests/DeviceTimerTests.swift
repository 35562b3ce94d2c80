import CertifyBackends
import Testing

/// When a device timer is not believed: a time far below the host's for the same executes.
@Suite struct DeviceTimerTests {
    /// 25 samples of `host` nanoseconds on the host's clock against `device` on the device timer.
    @Test(arguments: [
        // Microseconds where nanoseconds are due: 1000× too small.
        (312_000, 312, "the device timer claims 312 ns per execute (median of 25), under 1% of the 312 µs the same executes took on the host's clock"),
        (200_000, 0, "the device timer reports 0 ns per execute (median of 25), under 1% of the 200 µs the same executes took on the host's clock"),
        (1_000_000, 9_999, "the device timer claims 9999 ns per execute (median of 25), under 1% of the 1000 µs the same executes took on the host's clock"),
        // 1 % exactly, and more: a kernel that is a small part of its call.
        (1_000_000, 10_000, nil),
        (300_000, 30_000, nil),
        // Below 200 µs a synchronous call may be nearly all launch and wait.
        (199_999, 0, nil),
        (150_000, 150, nil),
    ] as [(UInt64, UInt64, String?)])
    func aDeviceTimeUnderOnePercentOfTheHostsFromTwoHundredMicrosecondsIsALie(
        host: UInt64, device: UInt64, lie: String?
    ) {
        #expect(ExecutionOutcome.timerLie(host: Array(repeating: host, count: 25), device: Array(repeating: device, count: 25)) == lie)
    }

    @Test func theMediansDecideNotTheOutliers() {
        // Two executes preempted on the host do not make the device timer a liar, nor do two
        // long device readings save one that mostly reads a thousandth of the host's time.
        let host: [UInt64] = Array(repeating: 50_000, count: 23) + [5_000_000, 5_000_000]
        #expect(ExecutionOutcome.timerLie(host: host, device: Array(repeating: 45_000, count: 25)) == nil)
        let device: [UInt64] = Array(repeating: 400, count: 23) + [400_000, 400_000]
        #expect(ExecutionOutcome.timerLie(host: Array(repeating: 400_000, count: 25), device: device) != nil)
    }
}
