// The intent trainer's per-row softmax loops (recd_softmax_train.h).
// Why C: Swift without target flags emits SSE code for SIMD types (four 4-float operations per
// SIMD16, a scalar tail): these loops were ~20 % of an intent training's CPU. Here the full-row
// axpys and the elementwise loops run at AVX-512 width with masked tails.
// Exactness: contraction is off for this file, so y + a·x is rounded twice exactly as the Swift code
// was; the softmax's exp is libm's expf and its sum is serial in class order, as before.
#pragma clang fp contract(off)

#include "recd_kernels.h"
#include "recd_softmax_train.h"
#include "vmath_avx512.h"
#include <float.h>
#include <math.h>

// The order-dependent part of a row's forward, shared by both paths: max, e^(z − max) with its serial
// sum, the loss term, then the scale (elementwise) is left to the caller. Returns the row's loss term
// and writes 1/Σ·weight/n into *scale.
static inline __attribute__((always_inline)) double softmax_row(float *row, int classes, int label, float weight,
                                                                float inv_n, float *scale) {
    float m = -INFINITY;
    for (int k = 0; k < classes; k++) m = row[k] > m ? row[k] : m;
    float sum = 0;
    for (int k = 0; k < classes; k++) {
        float e = expf(row[k] - m);
        row[k] = e;
        sum += e;
    }
    float py = row[label] > FLT_MIN ? row[label] : FLT_MIN;
    double term = (double)weight * ((double)logf(sum) - (double)logf(py));
    *scale = weight * inv_n / sum;
    return term;
}

// Partial n-gram rows (fewer pairs than classes): a scatter or a gather, scalar on both paths.
static inline __attribute__((always_inline)) void scatter_pairs(float *row, float v, const int32_t *pc, const float *w, int p0, int p1) {
    for (int p = p0; p < p1; p++) row[pc[p]] = row[pc[p]] + v * w[p];
}

static inline __attribute__((always_inline)) void gather_pairs(float *gw, float v, const float *g, const int32_t *pc, int p0, int p1) {
    for (int p = p0; p < p1; p++) gw[p] = gw[p] + v * g[pc[p]];
}

static double forward_portable(int count, int classes, float *z, const float *bias,
                               const long *row_start, const int32_t *cols, const float *vals,
                               const int32_t *pair_start, const int32_t *pair_class, const float *pair_w,
                               const int32_t *labels, const float *class_weights, float inv_n, double loss) {
    for (int i = 0; i < count; i++) {
        float *row = z + (long)i * classes;
        for (int k = 0; k < classes; k++) row[k] = row[k] + bias[k];
        for (long e = row_start[i]; e < row_start[i + 1]; e++) {
            int j = cols[e];
            float v = vals[e];
            int p0 = pair_start[j], p1 = pair_start[j + 1];
            if (p1 - p0 == classes) {
                const float *w = pair_w + p0;
                for (int k = 0; k < classes; k++) row[k] = row[k] + v * w[k];
            } else {
                scatter_pairs(row, v, pair_class, pair_w, p0, p1);
            }
        }
        int y = labels[i];
        float weight = class_weights[y], scale;
        loss += softmax_row(row, classes, y, weight, inv_n, &scale);
        for (int k = 0; k < classes; k++) row[k] = row[k] * scale;
        row[y] = row[y] - weight * inv_n;
    }
    return loss;
}

static void backward_portable(int count, int classes, const float *g, const long *row_start, const int32_t *cols,
                              const float *vals, const int32_t *pair_start, const int32_t *pair_class,
                              float *gb, float *g_pairs) {
    for (int i = 0; i < count; i++) {
        const float *row = g + (long)i * classes;
        for (int k = 0; k < classes; k++) gb[k] = gb[k] + row[k];
        for (long e = row_start[i]; e < row_start[i + 1]; e++) {
            int j = cols[e];
            float v = vals[e];
            int p0 = pair_start[j], p1 = pair_start[j + 1];
            if (p1 - p0 == classes) {
                float *gw = g_pairs + p0;
                for (int k = 0; k < classes; k++) gw[k] = gw[k] + v * row[k];
            } else {
                gather_pairs(g_pairs, v, row, pair_class, p0, p1);
            }
        }
    }
}

#if defined(__x86_64__)
/// y[0..<n] = y + a·x (a multiply, then an add), 16 lanes at a time, masked tail.
static inline __attribute__((always_inline)) RECD_AVX512 void axpy512(float a, const float *x, float *y, int n) {
    const __m512 va = _mm512_set1_ps(a);
    for (int k = 0; k < n; k += 16) {
        __mmask16 m = recd_tail_mask16(n - k);
        __m512 p = _mm512_mul_ps(va, _mm512_maskz_loadu_ps(m, x + k));
        _mm512_mask_storeu_ps(y + k, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + k), p));
    }
}

static RECD_AVX512 double forward_avx512(int count, int classes, float *z, const float *bias,
                                         const long *row_start, const int32_t *cols, const float *vals,
                                         const int32_t *pair_start, const int32_t *pair_class, const float *pair_w,
                                         const int32_t *labels, const float *class_weights, float inv_n, double loss) {
    for (int i = 0; i < count; i++) {
        float *row = z + (long)i * classes;
        axpy512(1.0f, bias, row, classes);   // 1·b is b exactly: row + b
        for (long e = row_start[i]; e < row_start[i + 1]; e++) {
            int j = cols[e];
            float v = vals[e];
            int p0 = pair_start[j], p1 = pair_start[j + 1];
            if (p1 - p0 == classes) axpy512(v, pair_w + p0, row, classes);
            else scatter_pairs(row, v, pair_class, pair_w, p0, p1);
        }
        int y = labels[i];
        float weight = class_weights[y], scale;
        loss += softmax_row(row, classes, y, weight, inv_n, &scale);
        const __m512 vs = _mm512_set1_ps(scale);
        for (int k = 0; k < classes; k += 16) {
            __mmask16 m = recd_tail_mask16(classes - k);
            _mm512_mask_storeu_ps(row + k, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), vs));
        }
        row[y] = row[y] - weight * inv_n;
    }
    return loss;
}

static RECD_AVX512 void backward_avx512(int count, int classes, const float *g, const long *row_start, const int32_t *cols,
                                        const float *vals, const int32_t *pair_start, const int32_t *pair_class,
                                        float *gb, float *g_pairs) {
    for (int i = 0; i < count; i++) {
        const float *row = g + (long)i * classes;
        axpy512(1.0f, row, gb, classes);
        for (long e = row_start[i]; e < row_start[i + 1]; e++) {
            int j = cols[e];
            float v = vals[e];
            int p0 = pair_start[j], p1 = pair_start[j + 1];
            if (p1 - p0 == classes) axpy512(v, row, g_pairs + p0, classes);
            else gather_pairs(g_pairs, v, row, pair_class, p0, p1);
        }
    }
}
#endif

double recd_softmax_train_forward(int count, int classes, float *z, const float *bias,
                                  const long *row_start, const int32_t *cols, const float *vals,
                                  const int32_t *pair_start, const int32_t *pair_class, const float *pair_w,
                                  const int32_t *labels, const float *class_weights, float inv_n, double loss) {
#if defined(__x86_64__)
    if (recd_kernels_have_avx512())
        return forward_avx512(count, classes, z, bias, row_start, cols, vals, pair_start, pair_class, pair_w,
                              labels, class_weights, inv_n, loss);
#endif
    return forward_portable(count, classes, z, bias, row_start, cols, vals, pair_start, pair_class, pair_w,
                            labels, class_weights, inv_n, loss);
}

void recd_softmax_train_backward(int count, int classes, const float *g,
                                 const long *row_start, const int32_t *cols, const float *vals,
                                 const int32_t *pair_start, const int32_t *pair_class,
                                 float *gb, float *g_pairs) {
#if defined(__x86_64__)
    if (recd_kernels_have_avx512()) {
        backward_avx512(count, classes, g, row_start, cols, vals, pair_start, pair_class, gb, g_pairs);
        return;
    }
#endif
    backward_portable(count, classes, g, row_start, cols, vals, pair_start, pair_class, gb, g_pairs);
}
