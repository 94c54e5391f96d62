@testable import RecdServer
import Testing

/// The pause in reading a connection after BUSY (``BusyBackoff``): grows while BUSY repeats, resets on
/// an admitted request, never exceeds the cap, and is off at cap 0.
@Suite struct BusyBackoffTests {
    @Test func repeatedBusyDoublesThePauseUpToTheCap() {
        var b = BusyBackoff(capMicros: 50_000)
        var pauses: [UInt64] = []
        for _ in 0..<9 { pauses.append(b.refused()) }
        #expect(pauses == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 50_000, 50_000, 50_000])
        #expect(b.streak == 9)
    }

    @Test func anAdmittedRequestResetsThePause() {
        var b = BusyBackoff(capMicros: 50_000)
        for _ in 0..<5 { _ = b.refused() }
        #expect(b.nextMicros == 32_000)
        b.admitted()
        #expect(b.streak == 0)
        #expect(b.refused() == 1_000, "after an admitted request the next BUSY starts over")
        #expect(b.refused() == 2_000)
    }

    @Test func aCapBelowTheFirstPauseIsTheOnlyPause() {
        var b = BusyBackoff(capMicros: 300)
        #expect(b.refused() == 300)
        #expect(b.refused() == 300)
        b.admitted()
        #expect(b.refused() == 300)
    }

    @Test func capZeroNeverPauses() {
        var b = BusyBackoff(capMicros: 0)
        for _ in 0..<3 { #expect(b.refused() == 0) }
        b.admitted()
        #expect(b.refused() == 0)
    }

    @Test func theConfigKeyIsKnownAndChecked() throws {
        #expect(ConfigFile.knownKeys.contains("busy_backoff_ms"))
        var c = ServerConfiguration()
        #expect(c.busyBackoff == .milliseconds(50), "the documented default (daemon/CONFIG.md)")
        var file = ConfigFile()
        file.busy_backoff_ms = 0
        try file.apply(to: &c)
        #expect(c.busyBackoff == .zero)
        #expect(c.effectiveJSON(engines: [:]).contains(#""busy_backoff_ms" : 0"#))
        c.busyBackoff = .milliseconds(-1)
        #expect(throws: ConfigFile.Error.self) { try c.validateLimits() }
    }
}
