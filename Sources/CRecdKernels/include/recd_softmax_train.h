// The per-row loops of the intent trainer's softmax objective (RecdIntent's SoftmaxObjective): the
// sparse n-gram part of the logits, the softmax cross-entropy, and the sparse part of the gradient.
//
// Bitwise the same floats as the Swift loops they replace, on either path: every product and sum is
// rounded as written (this file's kernels are compiled with FP contraction off, so y + a·x is a
// multiply and then an add, never an FMA), elementwise loops do not depend on their width, and the
// two order-dependent sums (the softmax denominator and the loss) run in the rows' and classes' order.
// So the optimiser takes exactly the same path as before (same iterations, same model).
#ifndef RECD_SOFTMAX_TRAIN_H
#define RECD_SOFTMAX_TRAIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Forward of `count` consecutive training rows. Row i's logits `z + i·classes` hold its dense part
/// (X·Wᵀ) on entry; the kernel adds `bias` and its n-gram pairs, then replaces the row by the loss
/// gradient w.r.t. the logits, weight·(softmax − onehot)/n (weight = class_weights[label], 1/n =
/// `inv_n`). Returns `loss` plus each row's weight·(log Σ e^z − log e^z_label), shifted by the row's
/// max, added in row order in double.
///
/// Sparse rows in CSR: row i's entries are `row_start[i] ..< row_start[i + 1]` (offsets into `cols`
/// and `vals`; `row_start` points at the first row's offset); n-gram j's pairs are
/// `pair_start[j] ..< pair_start[j + 1]` with classes `pair_class` and weights `pair_w`; an n-gram
/// with exactly `classes` pairs has every class in order (a full row).
double recd_softmax_train_forward(int count, int classes, float *z, const float *bias,
                                  const long *row_start, const int32_t *cols, const float *vals,
                                  const int32_t *pair_start, const int32_t *pair_class, const float *pair_w,
                                  const int32_t *labels, const float *class_weights, float inv_n, double loss);

/// Backward of `count` consecutive rows whose loss gradients w.r.t. the logits are `g` (row-major,
/// `classes` wide): gb[k] += Σ g[i, k], and for every entry (j, v) of row i and pair p of n-gram j,
/// g_pairs[p] += v · g[i, pair_class[p]], rows in order. Same CSR arguments as the forward.
void recd_softmax_train_backward(int count, int classes, const float *g,
                                 const long *row_start, const int32_t *cols, const float *vals,
                                 const int32_t *pair_start, const int32_t *pair_class,
                                 float *gb, float *g_pairs);

#ifdef __cplusplus
}
#endif

#endif
