import CertifyBackends
import Testing

/// A clock the test moves: each reading returns the current time; `advance` moves it on.
private final class FakeClock {
    var now: UInt64 = 1_000_000

    func read() -> UInt64 { now }

    func advance(_ nanoseconds: UInt64) { now += nanoseconds }
}

/// The timed loop both sessions run: when it stops, and what counts toward its minimum time.
@Suite struct MeasurementTests {
    /// A call whose timed part takes no time but whose device-timer query takes a millisecond:
    /// 20 ms of minimum time is reached after 21 calls of wall time, where a sum of samples never would be.
    @Test func minimumTimeIsTheLoopsWallTime() throws {
        let clock = FakeClock()
        let (host, device) = try Measurement.timedLoop(
            warmup: 2, iterations: 3, minTime: 20_000_000, flushCaches: false, execute: {}, deviceTimer: true, clock: clock.read
        ) {
            clock.advance(1_000_000)
            return 1_000
        }
        #expect(host.count == 21)
        #expect(host.allSatisfy { $0 == 0 })
        #expect(device == [UInt64](repeating: 1_000, count: 21))
    }

    /// A call that takes no time under a long minimum time stops at the sample cap; more
    /// iterations than the cap still all run.
    @Test(arguments: [(3, Measurement.maxSamples), (Measurement.maxSamples + 500, Measurement.maxSamples + 500)])
    func minimumTimeExtendsToTheCapOnly(iterations: Int, expected: Int) throws {
        let clock = FakeClock()
        let (host, device) = try Measurement.timedLoop(
            warmup: 0, iterations: iterations, minTime: 60_000_000_000, flushCaches: false, execute: {},
            deviceTimer: false, clock: clock.read
        ) { 0 }
        #expect(host.count == expected)
        #expect(device == nil)
    }

    /// Each sample is the execute's own time on the clock.
    @Test func aSampleIsTheExecutesTime() throws {
        let clock = FakeClock()
        var calls = 0
        let (host, _) = try Measurement.timedLoop(
            warmup: 4, iterations: 25, minTime: 0, flushCaches: false,
            execute: {
                calls += 1
                clock.advance(UInt64(calls) * 1_000)
            },
            deviceTimer: false, clock: clock.read
        ) { 0 }
        #expect(calls == 29)
        #expect(host == (5...29).map { UInt64($0) * 1_000 })
    }

    /// A 2 s call under a 5 s cap: the 3 warm-up calls asked (the third starts at 4 s, before the
    /// cap), then the least 5 timed calls of the 25 asked, though the cap passed after the 3rd.
    @Test func aSlowCaseStopsAtTheCapWithItsLeastCalls() throws {
        let clock = FakeClock()
        var calls = 0
        let (host, _) = try Measurement.timedLoop(
            warmup: 3, iterations: 25, minTime: 10_000_000, maxTime: 5_000_000_000, flushCaches: false,
            execute: {
                calls += 1
                clock.advance(2_000_000_000)
            },
            deviceTimer: false, clock: clock.read
        ) { 0 }
        #expect(host.count == Measurement.leastSamples)
        #expect(calls == 3 + Measurement.leastSamples)
    }

    /// A 1 s call: the warm-up stops once 5 s have passed (5 of the 10 asked); the timed loop at
    /// its 5th sample, when 5 s have passed. Without a cap all 10 and 25 run.
    @Test(arguments: [(UInt64(5_000_000_000), 5, 5), (UInt64(0), 10, 25)])
    func theCapCutsWarmupAndTimedLoopEachAfterItsTime(maxTime: UInt64, warmups: Int, samples: Int) throws {
        let clock = FakeClock()
        var calls = 0
        let (host, _) = try Measurement.timedLoop(
            warmup: 10, iterations: 25, minTime: 0, maxTime: maxTime, flushCaches: false,
            execute: {
                calls += 1
                clock.advance(1_000_000_000)
            },
            deviceTimer: false, clock: clock.read
        ) { 0 }
        #expect(host.count == samples)
        #expect(calls == warmups + samples)
    }

    /// A fast case never meets the cap: its iterations and minimum time decide as before.
    @Test func aFastCaseIsNotCapped() throws {
        #expect(Measurement.continues(samples: 24, elapsed: 6_000_000_000, iterations: 25, minTime: 0, maxTime: 0))
        #expect(!Measurement.continues(samples: 5, elapsed: 5_000_000_000, iterations: 25, minTime: 0, maxTime: 5_000_000_000))
        #expect(Measurement.continues(samples: 4, elapsed: 9_000_000_000, iterations: 25, minTime: 0, maxTime: 5_000_000_000))
        #expect(Measurement.continues(samples: 10, elapsed: 4_999_999_999, iterations: 25, minTime: 0, maxTime: 5_000_000_000))
    }
}
