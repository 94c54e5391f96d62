import Foundation
import RecdServer
import Testing

@Suite struct ConfigFileTests {
    func load(_ json: String) throws -> ConfigFile { try configFile(json) }

    @Test func fieldsThatArePresentOverrideDefaults() throws {
        var c = ServerConfiguration()
        try load(#"{"workers": 3, "max_k": 7, "socket_mode": "0660", "batch_wait_us": 250, "engines": {"a": "b"}}"#).apply(to: &c)
        #expect(c.workers == 3)
        #expect(c.requestLimits.maxK == 7)
        #expect(c.socketMode == 0o660)
        #expect(c.maxBatchWait == .microseconds(250))
        #expect(c.queueCapacity == ServerConfiguration().queueCapacity, "absent fields keep their defaults")
    }

    @Test func batchRunBudgetIsReadInMillisecondsAndChecked() throws {
        var c = ServerConfiguration()
        #expect(c.maxBatchRun == .zero, "the documented default: off")
        try load(#"{"max_batch_ms": 2.5}"#).apply(to: &c)
        #expect(c.maxBatchRun == .microseconds(2500))
        try load(#"{"max_batch_ms": 0}"#).apply(to: &c)
        #expect(c.maxBatchRun == .zero)
        let e = #expect(throws: ConfigFile.Error.self) { try load(#"{"max_batch_ms": -1}"#).apply(to: &c) }
        #expect(e?.description.contains("max_batch_ms") == true)
        #expect(ConfigFile.knownKeys.contains("max_batch_ms"))
    }

    @Test func bulkBatchRunBudgetIsReadInMillisecondsAndChecked() throws {
        var c = ServerConfiguration()
        #expect(c.maxBulkBatchRun == .milliseconds(8), "the documented default")
        try load(#"{"max_bulk_batch_ms": 0}"#).apply(to: &c)
        #expect(c.maxBulkBatchRun == .zero)
        try load(#"{"max_bulk_batch_ms": 12.5}"#).apply(to: &c)
        #expect(c.maxBulkBatchRun == .microseconds(12500))
        let e = #expect(throws: ConfigFile.Error.self) { try load(#"{"max_bulk_batch_ms": 60001}"#).apply(to: &c) }
        #expect(e?.description.contains("max_bulk_batch_ms") == true)
        #expect(ConfigFile.knownKeys.contains("max_bulk_batch_ms"))
    }

    @Test func lightPreemptionIsReadAndOnByDefault() throws {
        var c = ServerConfiguration()
        #expect(c.lightPreemption, "the documented default")
        try load(#"{"light_preemption": false}"#).apply(to: &c)
        #expect(!c.lightPreemption)
        #expect(ConfigFile.knownKeys.contains("light_preemption"))
    }

    @Test func badValuesNameTheField() throws {
        var c = ServerConfiguration()
        let e = #expect(throws: ConfigFile.Error.self) { try load(#"{"socket_mode": "rw-r--r--"}"#).apply(to: &c) }
        #expect(e?.description.contains("socket_mode") == true)
        c.workers = 0
        let e2 = #expect(throws: ConfigFile.Error.self) { try c.validate() }
        #expect(e2?.description.contains("workers") == true)
        #expect(throws: ConfigFile.Error.self) { try load("{not json") }
        #expect(throws: ConfigFile.Error.self) { try ConfigFile.load("/nonexistent/recd.json") }
    }
}
