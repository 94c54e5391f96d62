/// FNV-1a, 64-bit: a hash that is the same in every process and on every machine.
/// Swift's `Hasher` is seeded per process, so it cannot name features or cache files.
struct StableHash: Sendable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    init() {}

    init(seed: UInt64) { mix(seed) }

    mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func mix(_ word: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
    }

    mutating func mix(_ word: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }

    mutating func mix(_ int: Int) { mix(UInt64(bitPattern: Int64(int))) }

    mutating func mix(_ float: Float) { mix(float.bitPattern) }

    mutating func mix(_ double: Double) { mix(double.bitPattern) }

    /// Mixes a string's UTF-8 bytes and its length (so "ab","c" differs from "a","bc").
    mutating func mix(_ string: String) {
        var count = 0
        for b in string.utf8 { mix(b); count += 1 }
        mix(count)
    }

    /// A final avalanche step (splitmix64) so nearby inputs spread over all bits.
    var finalized: UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// A small deterministic generator (splitmix64) for shuffles and splits; `SystemRandomNumberGenerator`
/// would make training differ run to run.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
