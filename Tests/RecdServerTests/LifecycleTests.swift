import RecdServer
import Testing

@Suite struct LifecycleTests {
    @Test func happyPath() throws {
        var l = Lifecycle()
        #expect(l.state == .initial)
        #expect(try l.start() == .bind)
        #expect(l.state == .starting)
        #expect(!l.acceptsRequests)
        #expect(try l.bound() == .none)
        #expect(l.acceptsRequests)
        #expect(l.stop() == .stopAccepting)
        #expect(l.state == .draining)
        #expect(l.stop() == .none, "a second SIGTERM while draining does nothing")
        #expect(try l.drained() == .flushAndRelease)
        #expect(l.state == .stopped)
        #expect(l.stop() == .none)
    }

    @Test func stopWhileStartingDrainsOnceBound() throws {
        var l = Lifecycle()
        _ = try l.start()
        #expect(l.stop() == .none, "the starting thread still owns the server")
        #expect(l.state == .starting && l.stopRequested)
        #expect(l.stop() == .none, "a second request changes nothing")
        #expect(try l.bound() == .stopAccepting)
        #expect(l.state == .draining && !l.acceptsRequests)
        #expect(try l.drained() == .flushAndRelease)
        #expect(l.state == .stopped)
    }

    @Test func failedStartReleasesAndStops() throws {
        var l = Lifecycle()
        _ = try l.start()
        #expect(try l.startFailed() == .flushAndRelease)
        #expect(l.state == .stopped)
        #expect(throws: Lifecycle.TransitionError.self) { try l.startFailed() }
    }

    @Test func stopBeforeStartStops() throws {
        var l = Lifecycle()
        #expect(l.stop() == .flushAndRelease)
        #expect(l.state == .stopped)
        #expect(try l.start() == .none, "nothing to start once stopped by a signal")
        #expect(l.state == .stopped)
    }

    @Test func invalidTransitionsAreErrors() throws {
        var l = Lifecycle()
        #expect(throws: Lifecycle.TransitionError.self) { try l.bound() }
        #expect(throws: Lifecycle.TransitionError.self) { try l.drained() }
        _ = try l.start()
        #expect(throws: Lifecycle.TransitionError.self) { try l.start() }
    }
}

@Suite struct LatencyHistogramTests {
    @Test func percentilesAreWithinBucketPrecision() {
        var h = LatencyHistogram()
        for v in 1...10_000 { h.record(micros: UInt64(v)) }
        for (q, exact) in [(0.5, 5000.0), (0.99, 9900.0), (0.999, 9990.0)] {
            let got = Double(h.percentile(q))
            #expect(abs(got - exact) / exact < 0.07, "p\(q) = \(got), expected about \(exact)")
        }
        #expect(h.percentile(1.0) == 10_000)
        #expect(LatencyHistogram().percentile(0.5) == 0)
    }

    @Test func smallValuesAreExact() {
        var h = LatencyHistogram()
        for v in [3, 3, 3, 7] { h.record(micros: UInt64(v)) }
        #expect(h.percentile(0.5) == 3)
        #expect(h.percentile(1) == 7)
    }
}
