import CertifyBackends
import Foundation
import Testing

/// The timed loop both sessions run: when it stops, and what counts toward its minimum time.
@Suite struct MeasurementTests {
    /// A call whose timed part is instant but whose device-timer query takes a millisecond:
    /// 20 ms of minimum time is reached after ~20 calls of wall time, where a sum of samples
    /// would have needed tens of thousands of calls (and twenty seconds).
    @Test func minimumTimeIsTheLoopsWallTime() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let (host, device) = try Measurement.timedLoop(
            warmup: 2, iterations: 3, minTime: 20_000_000, flushCaches: false, execute: {}, deviceTimer: true
        ) {
            usleep(1_000)
            return 1_000
        }
        let wall = DispatchTime.now().uptimeNanoseconds - start
        #expect(host.count >= 3 && host.count < 100, "\(host.count) samples")
        #expect(device?.count == host.count)
        #expect(wall >= 20_000_000 && wall < 2_000_000_000, "\(wall) ns")
    }

    /// A sub-microsecond call under a long minimum time stops at the sample cap; more
    /// iterations than the cap still all run.
    @Test(arguments: [(3, Measurement.maxSamples), (Measurement.maxSamples + 500, Measurement.maxSamples + 500)])
    func minimumTimeExtendsToTheCapOnly(iterations: Int, expected: Int) throws {
        let (host, device) = try Measurement.timedLoop(
            warmup: 0, iterations: iterations, minTime: 60_000_000_000, flushCaches: false, execute: {},
            deviceTimer: false
        ) { 0 }
        #expect(host.count == expected)
        #expect(device == nil)
    }

    @Test func iterationsAloneWithoutMinimumTime() throws {
        var calls = 0
        let (host, _) = try Measurement.timedLoop(
            warmup: 4, iterations: 25, minTime: 0, flushCaches: false, execute: { calls += 1 }, deviceTimer: false
        ) { 0 }
        #expect(host.count == 25)
        #expect(calls == 29)
    }
}
