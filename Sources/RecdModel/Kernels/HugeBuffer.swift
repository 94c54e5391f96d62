import CRecdKernels

/// One block of zeroed memory from `recd_huge_alloc`: 64-byte aligned, every page touched (unless made
/// `touched: false`), and from 1 MiB up a 2 MiB aligned mapping advised as transparent huge pages
/// (`RECD_HUGEPAGES=0` turns the advice off). Holds the decoded and the packed weights and each
/// workspace's activations (FORMAT.md, "Huge pages", "Load time").
///
/// `@unchecked Sendable`: the block is owned by one object for its whole life; who writes into it
/// (a load-time packer, one workspace's thread) is the owner's business, as with any raw allocation.
final class HugeBuffer: @unchecked Sendable {
    /// Start of the block.
    let base: UnsafeMutableRawPointer
    /// Usable size in bytes (as requested).
    let byteCount: Int

    /// Allocates `byteCount` bytes; stops the process when memory is exhausted, as `allocate` does.
    /// `touched: false` leaves a large block's pages to be faulted in by their first write (the block
    /// still reads as zero): for memory the caller fills completely right away, possibly from several
    /// threads, so no byte is written twice.
    init(byteCount: Int, touched: Bool = true) {
        guard let p = touched ? recd_huge_alloc(byteCount) : recd_huge_alloc_untouched(byteCount) else {
            fatalError("recd_huge_alloc: out of memory for \(byteCount) bytes")
        }
        base = p
        self.byteCount = byteCount
    }

    deinit { recd_huge_free(base, byteCount) }

    /// Hands out consecutive regions of a `HugeBuffer`, each starting on a `alignment`-byte boundary.
    struct Carver {
        private(set) var offset = 0
        let alignment: Int

        init(alignment: Int = 64) { self.alignment = alignment }

        /// The offset of a region of `floats` floats, and advances past it.
        mutating func take(floats: Int) -> Int {
            let start = offset
            offset += (max(floats, 16) * 4 + alignment - 1) / alignment * alignment
            return start
        }
    }

    /// The region at byte `offset`, as floats.
    func floats(at offset: Int, count: Int) -> UnsafeMutablePointer<Float> {
        precondition(offset >= 0 && offset + count * 4 <= byteCount, "HugeBuffer: region out of bounds")
        return (base + offset).bindMemory(to: Float.self, capacity: count)
    }
}

/// Diagnostics of the huge-page buffers.
public enum HugePages {
    /// Whether large buffers are advised as transparent huge pages (`RECD_HUGEPAGES` unset or not `0`/`off`).
    public static var advised: Bool { recd_huge_pages_advised() != 0 }

    /// Bytes of the process's anonymous memory the kernel backs with huge pages (`AnonHugePages` of
    /// /proc/self/smaps_rollup), nil when unreadable: shows whether the advice took effect.
    public static var anonymousHugeBytes: Int? {
        let b = recd_anon_huge_bytes()
        return b < 0 ? nil : Int(b)
    }
}
