import Foundation
import RecdProtocol
import Testing

/// protocol/vectors/*.bin: the worked examples of PROTOCOL.md, byte for byte.
/// Set RECD_WRITE_VECTORS=1 to (re)write the files after changing Examples.swift;
/// then update the hex dumps in PROTOCOL.md section 11 to match.
@Suite(.serialized) struct VectorTests {
    static let vectorsDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    @Test func writeIfAsked() throws {
        guard ProcessInfo.processInfo.environment["RECD_WRITE_VECTORS"] == "1" else { return }
        try FileManager.default.createDirectory(at: Self.vectorsDir, withIntermediateDirectories: true)
        for ex in Examples.all {
            try Data(ex.frame.bytes).write(to: Self.vectorsDir.appendingPathComponent(ex.name + ".bin"))
        }
    }

    @Test(arguments: Examples.all.map(\.name))
    func vectorMatchesExampleAndRoundTrips(name: String) throws {
        let url = Self.vectorsDir.appendingPathComponent(name + ".bin")
        let bytes = [UInt8](try Data(contentsOf: url))
        let expected = try #require(Examples.all.first { $0.name == name }).frame
        #expect(bytes == expected.bytes, "\(name).bin differs from the example in Examples.swift")

        var decoder = FrameDecoder(direction: expected.header.isResponse ? .response : .request)
        decoder.feed(bytes)
        let frame = try #require(try decoder.next())
        #expect(try decoder.next() == nil)
        #expect(frame.header == expected.header)
        let reencodedBody = try Examples.roundTrip(frame)
        #expect(Frame(header: frame.header, body: reencodedBody).bytes == bytes, "\(name) does not re-encode byte for byte")
    }

    @Test func everyOpcodeHasARequestAndResponseVector() {
        for op in Opcode.all {
            let frames = Examples.all.map(\.frame).filter { $0.header.opcode == op && $0.header.status == .ok }
            #expect(frames.contains { !$0.header.isResponse }, "no request vector for \(op)")
            #expect(frames.contains { $0.header.isResponse }, "no response vector for \(op)")
        }
    }
}

/// PROTOCOL.md's worked examples must show exactly the bytes of the vector files.
@Suite struct SpecExampleTests {
    @Test func everyVectorIsDumpedInProtocolMd() throws {
        let spec = try String(contentsOf: VectorTests.vectorsDir.deletingLastPathComponent().appendingPathComponent("PROTOCOL.md"),
                              encoding: .utf8)
        for ex in Examples.all {
            let section = try #require(spec.range(of: "### \(ex.name)\n"), "PROTOCOL.md has no example \(ex.name)")
            let after = spec[section.upperBound...]
            let fence = try #require(after.range(of: "```\n"))
            let end = try #require(after[fence.upperBound...].range(of: "```"))
            let hexBytes = after[fence.upperBound..<end.lowerBound].split(separator: "\n").flatMap { line in
                line.dropFirst(6).prefix(47).split(separator: " ").map { UInt8($0, radix: 16)! }
            }
            #expect(hexBytes == ex.frame.bytes, "PROTOCOL.md's \(ex.name) differs from vectors/\(ex.name).bin")
        }
    }
}
