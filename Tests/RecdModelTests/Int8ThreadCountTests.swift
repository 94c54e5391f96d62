import Foundation
import Testing
@testable import RecdModel

/// oneDNN's OpenMP thread count is per calling thread, and libgomp's default is one thread per CPU: a
/// pool worker that never set it ran every int8 matmul with a team as large as the machine. The int8
/// pass sets the calling thread's count from its scratch, so a fresh thread runs with the scratch's count.
@Suite struct Int8ThreadCountTests {
    /// Runs one int8 pass of `text` on a new thread whose scratch asks for `threads` (nil: the default)
    /// and returns that thread's OpenMP count afterwards.
    static func countAfterPass(threads: Int?) throws -> Int? {
        let model = try Int8ReferenceTests.model.get()
        let ids = Fixtures.reference.cases[0].input_ids
        let box = ThreadCountBox()
        let thread = Thread {
            let ws = EncoderWorkspace(model: model, maxBatch: 1, maxTokens: 256)
            if let threads { ws.int8?.ompThreads = threads }
            do {
                _ = try model.embed(ids: [ids], workspace: ws)
                box.set(.success(Int8GEMM.threads))
            } catch { box.set(.failure(error)) }
        }
        thread.start()
        return try box.wait().get()
    }

    @Test func aFreshThreadRunsWithTheDefaultCount() throws {
        #expect(try Self.countAfterPass(threads: nil) == Int8GEMM.defaultThreadsPerCall)
        if getenv("OMP_NUM_THREADS") == nil { #expect(Int8GEMM.defaultThreadsPerCall == 1) }
    }

    @Test func theScratchCountIsApplied() throws {
        #expect(try Self.countAfterPass(threads: 2) == 2)
        #expect(try Self.countAfterPass(threads: 1) == 1)
    }
}

/// One result handed from a thread to the test.
final class ThreadCountBox: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Int?, Error> = .success(nil)
    func set(_ r: Result<Int?, Error>) { result = r; done.signal() }
    func wait() -> Result<Int?, Error> { done.wait(); return result }
}
