import CRecdKernels
import XCTest
@testable import RecdIntent

/// The C kernels of the softmax objective's per-row loops (`recd_softmax_train_forward` / `_backward`)
/// must give bitwise the floats of the Swift loops they replaced (kept below as the reference), on the
/// AVX-512 path and the portable one, so a training takes exactly the path it took before: the same
/// iterations and the same model.
final class SoftmaxTrainKernelTests: XCTestCase {
    /// Random CSR data: `ngrams` n-grams, a third of them with a full row (every class), the rest with
    /// 1…classes/3 classes; rows with 0…12 entries.
    struct Data {
        var classes: Int
        var rowStart: [Int] = [0]
        var cols: [Int32] = []
        var vals: [Float] = []
        var pairStart: [Int32] = [0]
        var pairClass: [Int32] = []
        var pairWeights: [Float] = []
        var labels: [Int32] = []
        var classWeights: [Float] = []
        var z: [Float] = []
        var bias: [Float] = []

        init(classes: Int, rows: Int, ngrams: Int, seed: UInt64) {
            self.classes = classes
            var rng = SeededGenerator(seed: seed)
            for j in 0..<ngrams {
                if j % 3 == 0 {
                    pairClass += (0..<Int32(classes))
                } else {
                    let k = Int.random(in: 1...max(1, classes / 3), using: &rng)
                    pairClass += Array(0..<Int32(classes)).shuffled(using: &rng).prefix(k).sorted()
                }
                pairStart.append(Int32(pairClass.count))
            }
            pairWeights = pairClass.map { _ in Float.random(in: -2...2, using: &rng) }
            for _ in 0..<rows {
                for _ in 0..<Int.random(in: 0...12, using: &rng) {
                    cols.append(Int32.random(in: 0..<Int32(ngrams), using: &rng))
                    vals.append(Float.random(in: 0.01...1, using: &rng))
                }
                rowStart.append(cols.count)
                labels.append(Int32.random(in: 0..<Int32(classes), using: &rng))
            }
            classWeights = (0..<classes).map { _ in Float.random(in: 0.5...2, using: &rng) }
            z = (0..<rows * classes).map { _ in Float.random(in: -8...8, using: &rng) }
            bias = (0..<classes).map { _ in Float.random(in: -1...1, using: &rng) }
        }
    }

    /// The session-7 Swift forward loop over rows `first ..< first + count` (z row i at i − first).
    static func referenceForward(_ d: Data, z: inout [Float], first: Int, count: Int, inv: Float, loss start: Double) -> Double {
        let c = d.classes
        var loss = start
        z.withUnsafeMutableBufferPointer { zp in
        d.pairWeights.withUnsafeBufferPointer { wsb in
            let ws = wsb.baseAddress!
            for r in first ..< first + count {
                let row = zp.baseAddress! + (r - first) * c
                for k in 0..<c { row[k] += d.bias[k] }
                for e in d.rowStart[r] ..< d.rowStart[r + 1] {
                    let j = Int(d.cols[e]), v = d.vals[e]
                    let p0 = Int(d.pairStart[j]), p1 = Int(d.pairStart[j + 1])
                    if p1 - p0 == c { axpy(v, ws + p0, row, c); continue }
                    for p in p0 ..< p1 { row[Int(d.pairClass[p])] += v * ws[p] }
                }
                var m = -Float.infinity
                for k in 0..<c { m = max(m, row[k]) }
                var sum: Float = 0
                for k in 0..<c { let e = expf(row[k] - m); row[k] = e; sum += e }
                let y = Int(d.labels[r])
                let w = d.classWeights[y]
                loss += Double(w) * (Double(logf(sum)) - Double(logf(max(row[y], .leastNormalMagnitude))))
                let scale = w * inv / sum
                for k in 0..<c { row[k] *= scale }
                row[y] -= w * inv
            }
        }}
        return loss
    }

    /// The session-7 Swift backward loop.
    static func referenceBackward(_ d: Data, g: [Float], first: Int, count: Int, gb: inout [Float], gws: inout [Float]) {
        let c = d.classes
        g.withUnsafeBufferPointer { gp in
        gws.withUnsafeMutableBufferPointer { gw in
            for r in first ..< first + count {
                let row = gp.baseAddress! + (r - first) * c
                for k in 0..<c { gb[k] += row[k] }
                for e in d.rowStart[r] ..< d.rowStart[r + 1] {
                    let j = Int(d.cols[e]), v = d.vals[e]
                    let p0 = Int(d.pairStart[j]), p1 = Int(d.pairStart[j + 1])
                    if p1 - p0 == c { axpy(v, row, gw.baseAddress! + p0, c); continue }
                    for p in p0 ..< p1 { gw[p] += v * row[Int(d.pairClass[p])] }
                }
            }
        }}
    }

    func testKernelsMatchTheSwiftLoopsBitwise() {
        defer { recd_kernels_force_portable(0) }
        for portable in [false, true] {
            recd_kernels_force_portable(portable ? 1 : 0)
            // 151 classes as CLINC150 (9 vectors + a 7-lane tail), 16 (no tail), 5 (tail only), 1.
            for (classes, seed) in [(151, 1), (16, 2), (5, 3), (1, 4)] as [(Int, UInt64)] {
                let d = Data(classes: classes, rows: 90, ngrams: 40, seed: seed)
                let first = 7, count = 60, inv: Float = 1 / 90
                var expected = Array(d.z[first * classes ..< (first + count) * classes])
                var got = expected
                let refLoss = Self.referenceForward(d, z: &expected, first: first, count: count, inv: inv, loss: 0.25)
                let loss = d.rowStart.withUnsafeBufferPointer { starts in
                    got.withUnsafeMutableBufferPointer { zp in
                        recd_softmax_train_forward(Int32(count), Int32(classes), zp.baseAddress!, d.bias,
                                                   starts.baseAddress! + first, d.cols, d.vals, d.pairStart, d.pairClass,
                                                   d.pairWeights, Array(d.labels[first...]), d.classWeights, inv, 0.25)
                    }
                }
                let what = "classes \(classes), \(portable ? "portable" : "AVX-512 if present")"
                XCTAssertEqual(loss.bitPattern, refLoss.bitPattern, "loss, \(what): \(loss) vs \(refLoss)")
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "G, \(what)")

                var gbRef = d.bias, gwsRef = d.pairWeights   // arbitrary non-zero starting sums
                var gb = gbRef, gws = gwsRef
                Self.referenceBackward(d, g: expected, first: first, count: count, gb: &gbRef, gws: &gwsRef)
                d.rowStart.withUnsafeBufferPointer { starts in
                    recd_softmax_train_backward(Int32(count), Int32(classes), expected, starts.baseAddress! + first,
                                                d.cols, d.vals, d.pairStart, d.pairClass, &gb, &gws)
                }
                XCTAssertEqual(gb.map(\.bitPattern), gbRef.map(\.bitPattern), "bias gradient, \(what)")
                XCTAssertEqual(gws.map(\.bitPattern), gwsRef.map(\.bitPattern), "pair gradient, \(what)")
                // (With one class softmax − onehot is 0: nothing to add.)
                if classes > 1 { XCTAssertNotEqual(gws, d.pairWeights, "the backward pass added nothing (\(what))") }
            }
        }
    }
}
