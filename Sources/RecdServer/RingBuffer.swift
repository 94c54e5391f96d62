/// A fixed-capacity FIFO; the pool's queue, so enqueueing never reallocates.
struct RingBuffer<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { storage = Array(repeating: nil, count: capacity) }

    var isEmpty: Bool { count == 0 }
    var first: Element? { count == 0 ? nil : storage[head] }

    mutating func append(_ element: Element) {
        precondition(count < storage.count, "ring buffer full")
        storage[(head + count) % storage.count] = element
        count += 1
    }

    mutating func removeFirst() -> Element {
        precondition(count > 0, "ring buffer empty")
        let element = storage[head]!
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }
}
