import Foundation
import RecdClient
import RecdProtocol
import RecdServer
import Testing

/// Replies finished on worker threads reach the event loop through one mailbox per loop
/// (`LoopReplies`): many pipelined requests on several connections, answered by two workers at once,
/// must each get their own reply (matched by request id) exactly once, and STATS must count them all.
@Suite(.serialized) struct ReplyHandOffTests {
    @Test func pipelinedRepliesFromTwoWorkersEachReachTheirRequestAndAreCounted() async throws {
        // Admission off: this is about the hand-off, not overload. With it on, three connections 60 deep under
        // ThreadSanitizer's slowdown stood the queue and were rightly answered BUSY (session 14's `make test-tsan`).
        let d = try InProcessDaemon { $0.workers = 2; $0.queueDelayLimit = .off }
        let connections = 3, perConnection = 60
        var opened: [RecdConnection] = []
        for _ in 0..<connections { opened.append(try await RecdConnection.connect(socketPath: d.path)) }
        let conns = opened
        let wrong = OrderLog()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (c, connection) in conns.enumerated() {
                for i in 0..<perConnection {
                    group.addTask {
                        let text = "connection \(c) request \(i)"
                        var r = Recd_V1_EmbedRequest(); r.texts = [text]
                        let reply = try await connection.call(.embed, r, as: Recd_V1_EmbedResponse.self)
                        if reply.vectors.count != 1 || reply.vectors[0].values != HashingEncoder(dimension: 8).vector(text) {
                            wrong.add(text)
                        }
                    }
                    if i % 10 == 0 {
                        group.addTask {
                            _ = try await connection.call(.ping, Recd_V1_PingRequest(), as: Recd_V1_PingResponse.self)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(wrong.all.isEmpty, "replies that did not match their request: \(wrong.all)")
        let stats = try await conns[0].call(.stats, Recd_V1_StatsRequest(), as: Recd_V1_StatsResponse.self)
        let embed = stats.ops.first { $0.op == "EMBED" }
        #expect(embed?.requests == UInt64(connections * perConnection), "\(String(describing: embed))")
        #expect(embed?.errors == 0)
        #expect(stats.ops.first { $0.op == "PING" }?.requests == UInt64(connections * perConnection / 10))
        for connection in conns { await connection.close() }
        await d.stop()
    }
}
