import RecdClient
import Testing

struct OpenLoopScheduleTests {
    @Test func connectionsTogetherSendEvenlySpacedRequests() {
        // 1,500 rps over 8 connections: each sends every 5.333 ms; together one every 0.667 ms.
        let schedules = (0..<8).map { OpenLoopSchedule(totalRate: 1500, connections: 8, index: $0) }
        #expect(schedules.allSatisfy { $0.interval == 5_333_333 })
        var times: [UInt64] = []
        for s in schedules { for k in 0..<100 { times.append(s.time(of: k)) } }
        times.sort()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        #expect(gaps.min()! >= 666_666 && gaps.max()! <= 666_667, "gaps \(gaps.min()!)…\(gaps.max()!)")
        // No two connections share a phase (the old schedule sent all 8 in the same tick).
        #expect(Set(schedules.map(\.phase)).count == 8)
        #expect(schedules.map(\.phase).max()! < schedules[0].interval)
    }

    @Test func dueCountMatchesTheSendTimes() {
        let s = OpenLoopSchedule(totalRate: 1000, connections: 4, index: 1)  // every 4 ms, first at 1 ms
        #expect(s.phase == 1_000_000)
        #expect(s.dueCount(at: 0) == 0)
        #expect(s.dueCount(at: 999_999) == 0)
        #expect(s.dueCount(at: 1_000_000) == 1)
        #expect(s.dueCount(at: 4_999_999) == 1)
        #expect(s.dueCount(at: 5_000_000) == 2)
        for k in [0, 1, 17, 1000] {
            #expect(s.dueCount(at: s.time(of: k)) == k + 1)
            #expect(s.dueCount(at: s.time(of: k) - 1) == k)
        }
    }

    @Test func oneConnectionAtOneRequestPerSecond() {
        let s = OpenLoopSchedule(totalRate: 1, connections: 1, index: 0)
        #expect(s.interval == 1_000_000_000 && s.phase == 0)
        #expect(s.time(of: 3) == 3_000_000_000)
    }
}
