import Foundation
import Testing
@testable import RecdModel

/// Workers share the oneDNN primitives and reordered weights: two threads embedding at once (each with
/// its own workspace, so its own stream, memory objects and scratchpad) give exactly the serial vectors.
@Suite struct Int8ConcurrencyTests {
    @Test func twoWorkersMatchSerialRuns() throws {
        KernelSwitch.lock.lock(); defer { KernelSwitch.lock.unlock() }
        let model = try Int8ReferenceTests.model.get()
        let ids = Fixtures.reference.cases.map(\.input_ids)
        let serial = try model.embed(ids: ids, workspace: EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 300))
        let results = ResultBox(count: 2)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let ws = EncoderWorkspace(model: model, maxBatch: 4, maxTokens: 300)
            var out: [[[Float]]] = []
            for _ in 0..<5 { out.append((try? model.embed(ids: ids, workspace: ws)) ?? []) }
            results.set(worker, out)
        }
        for worker in 0..<2 {
            for run in results.get(worker) {
                #expect(run == serial, "worker \(worker): a concurrent run differs from the serial one")
            }
        }
    }
}

/// `@unchecked Sendable`: each slot is written by one worker under `lock`, read after the workers join.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[[[Float]]]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [[[Float]]]) { lock.lock(); slots[i] = v; lock.unlock() }
    func get(_ i: Int) -> [[[Float]]] { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
