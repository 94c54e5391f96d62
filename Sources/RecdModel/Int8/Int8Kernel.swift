#if canImport(Glibc)
import Glibc
#endif
import CRecdKernels

/// Which code computes the int8 linear layers' u8 × s8 → s32 products.
///
/// oneDNN 2.6's matmul keeps weights in a blocked layout only for its brgemm kernels (AVX-512 VNNI,
/// AMX). Elsewhere it falls back to `gemm:jit`, which packs the whole weight matrix again on every
/// call and pads each row block to a 16-row bucket: on an AMD Zen 3 (AVX2, no VNNI) a 12-token query
/// spent 27 % of its int8 pass in that packing (`jit_avx2_u8_copy_an_kern`), and the pass was no faster
/// than fp32. recd's own AVX2 GEMM (`recd_i8_gemm`, Sources/CRecdKernels/int8_gemm.c) reads weights
/// packed once at load and computes only the block's rows.
public enum Int8Kernel: String, Sendable, CaseIterable {
    /// oneDNN matmul primitives over weights reordered at load (`Int8Matmul`).
    case onednn
    /// recd's AVX2 GEMM over weights packed at load (7-bit weights only: see `recd_i8_gemm`).
    case recd

    /// The kernel for a layer shape: recd's when oneDNN would fall back to a `gemm:` implementation,
    /// the weights are 7-bit (`weightMax` ≤ 63: its 16-bit pair sums cannot saturate), the CPU runs the
    /// AVX2 body and the shape packs into 16-column panels; oneDNN's otherwise. `override` is
    /// `RECD_INT8_GEMM` (`onednn` forces oneDNN; `recd` asks for recd's wherever it is exact; anything else
    /// or nil chooses as above).
    static func choose(implementation: String, weightMax: Int32, simd: Bool, packable: Bool,
                       override: String?) -> Int8Kernel {
        let exact = weightMax <= 63 && simd && packable
        switch override?.lowercased() {
        case "onednn": return .onednn
        case "recd": return exact ? .recd : .onednn
        default: return exact && implementation.hasPrefix("gemm:") ? .recd : .onednn
        }
    }

    /// `choose` for this machine, for a [n, k] layer whose oneDNN matmul is `matmul`; `override` nil
    /// reads `RECD_INT8_GEMM` from the environment.
    static func forLayer(n: Int, k: Int, matmul: Int8Matmul, weightMax: Int32, override given: String? = nil) -> Int8Kernel {
        let override = given ?? getenv("RECD_INT8_GEMM").map { String(cString: $0) }
        return choose(implementation: matmul.implementation, weightMax: weightMax, simd: recd_i8_gemm_has_simd() != 0,
                      packable: recd_i8_packable(Int32(n), Int32(k)) != 0, override: override)
    }
}
