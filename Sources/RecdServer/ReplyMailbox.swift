import Atomics

/// A lock-free list that many threads post to and one thread empties in one go: how worker threads
/// hand finished replies to an event loop (``LoopReplies``).
///
/// `post` is one compare-and-exchange on the list head and never blocks or sleeps; it returns true
/// when the list was empty, and only that poster schedules the consumer (one event-loop task for
/// every reply posted until the consumer runs). `takeAll` swaps the head out and returns the items
/// oldest first, so replies one thread posts keep their order.
///
/// Why not a lock-protected array: a worker that finds the lock held (the consumer preempted while
/// holding it) sleeps on it, and while it sleeps the pool counts it busy and queued jobs wait for it —
/// session 5 saw workers asleep up to 108 ms on NIO's task lock inside `EventLoop.execute`, the same
/// kind of lock. A Treiber stack has no ABA problem here: the consumer never pops a single node, it
/// takes the whole list, and a poster only stores the head it saw into its own node's `next`.
final class ReplyMailbox<Item>: @unchecked Sendable {
    // Safety: a node is written only by its poster before the releasing compare-and-exchange that
    // publishes it, and read only by the consumer after the acquiring exchange that takes it; the
    // consumer's scratch array (`taken`) is only touched by `takeAll`, which callers run on one thread.

    private final class Node {
        let item: Item
        var next: UnsafeMutableRawPointer?
        init(_ item: Item) { self.item = item }
    }

    private let head = ManagedAtomic<UnsafeMutableRawPointer?>(nil)

    init() {}

    /// Adds `item`. True when the mailbox was empty: the caller must then arrange one `takeAll`
    /// (later posts until it runs return false and ride along).
    @discardableResult
    func post(_ item: Item) -> Bool {
        let node = Node(item)
        let raw = Unmanaged.passRetained(node).toOpaque()
        var seen = head.load(ordering: .relaxed)
        while true {
            node.next = seen
            let (exchanged, current) = head.compareExchange(expected: seen, desired: raw, ordering: .releasing)
            if exchanged { return seen == nil }
            seen = current
        }
    }

    /// Appends everything posted so far to `items`, oldest first, and empties the mailbox.
    /// Call from one thread at a time (the consumer).
    func takeAll(into items: inout [Item]) {
        var raw = head.exchange(nil, ordering: .acquiring)
        let first = items.count
        while let r = raw {
            let node = Unmanaged<Node>.fromOpaque(r).takeRetainedValue()
            items.append(node.item)
            raw = node.next
        }
        items[first...].reverse()   // the list is newest first
    }

    /// True when nothing is waiting (a snapshot: another thread may post right after).
    var isEmpty: Bool { head.load(ordering: .relaxed) == nil }

    deinit {
        var raw = head.exchange(nil, ordering: .acquiring)
        while let r = raw {
            raw = Unmanaged<Node>.fromOpaque(r).takeRetainedValue().next
        }
    }
}
