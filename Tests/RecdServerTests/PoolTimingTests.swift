@testable import RecdServer
import Testing

/// STATS' pool timings: the queue wait overall and by the lane each batch's oldest job waited in.
@Suite struct PoolTimingTests {
    @Test func waitsAreSplitByLane() {
        let m = Metrics()
        m.recordPool(BatchReport(texts: 1, jobs: 1, oldestWaitNanos: 2_000_000, runNanos: 5_000_000, lane: .light))
        m.recordPool(BatchReport(texts: 1, jobs: 1, oldestWaitNanos: 90_000_000, runNanos: 5_000_000, lane: .bulk))
        m.recordPool(BatchReport(texts: 0, jobs: 1, oldestWaitNanos: 80_000_000, runNanos: 1_000_000, lane: .bulk))
        let x = m.poolTimingExtras()
        #expect(x["pool.light_runs"] == "1")
        #expect(x["pool.bulk_runs"] == "2", "a task counts in its lane too")
        #expect(x["pool.light_queue_wait_ms.max"] == "2.000")
        #expect(x["pool.bulk_queue_wait_ms.max"] == "90.000")
        #expect(x["pool.queue_wait_ms.max"] == "90.000", "the overall wait as before")
        #expect(Double(x["pool.bulk_queue_wait_ms.p50"] ?? "") ?? 0 >= 79, "both bulk waits are 80 ms or more")
    }

    @Test func aLaneWithNothingRunHasNoPercentiles() {
        let m = Metrics()
        m.recordPool(BatchReport(texts: 1, jobs: 1, oldestWaitNanos: 1_000_000, runNanos: 1_000_000, lane: .light))
        let x = m.poolTimingExtras()
        #expect(x["pool.bulk_runs"] == "0")
        #expect(x["pool.bulk_queue_wait_ms.p50"] == nil)
    }
}
