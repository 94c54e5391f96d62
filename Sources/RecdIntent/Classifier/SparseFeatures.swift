/// A sparse feature vector: strictly increasing indices with their values.
public struct SparseFeatures: Hashable, Sendable {
    /// Feature indices in `0 ..< dimension`, strictly increasing.
    public var indices: [UInt32]
    /// One value per index.
    public var values: [Float]

    public init(indices: [UInt32] = [], values: [Float] = []) {
        precondition(indices.count == values.count, "indices and values differ in length")
        self.indices = indices
        self.values = values
    }

    /// Number of stored (non-zero) entries.
    public var count: Int { indices.count }

    /// Euclidean norm.
    public var norm: Float { values.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}
