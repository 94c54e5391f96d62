import Foundation
import RecdProtocol
import Testing

/// protocol/vectors/*.bin: the worked examples of PROTOCOL.md, byte for byte.
/// Set RECD_WRITE_VECTORS=1 to (re)write the files and protocol/vectors/EXAMPLES.txt.
@Suite(.serialized) struct VectorTests {
    static let vectorsDir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors")

    @Test func writeIfAsked() throws {
        guard ProcessInfo.processInfo.environment["RECD_WRITE_VECTORS"] == "1" else { return }
        try FileManager.default.createDirectory(at: Self.vectorsDir, withIntermediateDirectories: true)
        var text = ""
        for ex in Examples.all {
            try Data(ex.frame.bytes).write(to: Self.vectorsDir.appendingPathComponent(ex.name + ".bin"))
            text += "### \(ex.name)\n\n```\n" + HexDump.dump(ex.frame.bytes) + "```\n\n"
        }
        try text.write(to: Self.vectorsDir.appendingPathComponent("EXAMPLES.txt"), atomically: true, encoding: .utf8)
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

enum HexDump {
    /// 16 bytes a line: offset, hex, ASCII.
    static func dump(_ bytes: [UInt8]) -> String {
        var out = ""
        var offset = 0
        while offset < bytes.count {
            let line = bytes[offset..<min(offset + 16, bytes.count)]
            let off = String(offset, radix: 16)
            out += String(repeating: "0", count: 4 - off.count) + off + "  "
            var hexPart = line.map { b -> String in
                let h = String(b, radix: 16)
                return h.count == 1 ? "0" + h : h
            }.joined(separator: " ")
            hexPart += String(repeating: " ", count: 48 - hexPart.count)
            out += hexPart + " " + String(line.map { (32...126).contains($0) ? Character(UnicodeScalar($0)) : "." }) + "\n"
            offset += 16
        }
        return out
    }
}
