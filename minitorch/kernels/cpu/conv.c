// Stride-1 convolution of float32 on the CPU, straight from the padded input (no column matrix), with
// the roundings of torch's CPU kernel (oneDNN) on one thread.
//
// The input is channel-major and padded, flat (C, N*Hp*Wp plus a zero tail) as blocked_conv.py lays it
// out, so the pixels a kernel tap meets along a run of outputs in one row are one contiguous slice a
// fixed offset further on (i*dh*Wp + j*dw for tap (i, j)); the caller gives the taps' offsets.
//
// Output:          y[o, p] = Σ_t Σ_c w[o, t, c] · x[c, p + offset[t]], one fused multiply-add per term from
//                  zero, taps outer and channels inner: oneDNN's order, so the forward (taps in order) and
//                  the input gradient (the flipped kernel's taps in reverse) are torch's bit for bit.
//                  Blocks of OB output channels by V outputs along a row are summed in registers.
// Weight gradient: gw[k, o] = Σ_p x[k, p] · gy[p, o] over the output positions p in order (image, row,
//                  column), one fused multiply-add each: oneDNN's order on one thread. Registers hold
//                  KT taps by VW output channels over one output row at a time.
// Bias gradient:   gb[o] = Σ_p gy[p, o] in the same order, one rounding per term.
// References: the im2col GEMMs of ArrayBackend.conv2d and its gradients (float64 for accuracy).
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define VW 16
#define OB 8
#define KT 24
#define vzero() _mm512_setzero_ps()
#define vload(p) _mm512_loadu_ps(p)
#define vfma(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define vset(s) _mm512_set1_ps(s)
#define vstore(p, a) _mm512_storeu_ps(p, a)
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define VW 8
#define OB 4
#define KT 12
#define vzero() _mm256_setzero_ps()
#define vload(p) _mm256_loadu_ps(p)
#define vfma(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define vset(s) _mm256_set1_ps(s)
#define vstore(p, a) _mm256_storeu_ps(p, a)
#else  // one lane: the same roundings everywhere, fast nowhere
typedef float vec;
#define VW 1
#define OB 4
#define KT 8
#define vzero() 0.0f
#define vload(p) (*(p))
#define vfma(a, b, acc) fmaf(a, b, acc)
#define vset(s) (s)
#define vstore(p, a) (*(p) = (a))
#endif
#define NV 2             // vectors along a row per output block
#define V (NV * VW)      // outputs along a row per output block

// Output channels b < nb (at most OB) of a block, at out[b*ostride + v] for v < nv, from the flat input
// at `src` (the block's first pixel) and their weights w (rows of T*C, tap-major).
static void conv_block(const float* restrict src, long long fstride, const float* restrict w,
                       const long long* restrict offsets, long long T, long long C, float* restrict out,
                       long long ostride, int nb, int nv) {
    vec acc[OB][NV];
    for (int b = 0; b < OB; ++b)
        for (int u = 0; u < NV; ++u) acc[b][u] = vzero();
    const long long K = T * C;
    for (long long t = 0; t < T; ++t)
        for (long long c = 0; c < C; ++c) {
            const float* restrict x = src + offsets[t] + c * fstride;
            const long long k = t * C + c;
            vec xv[NV];
            for (int u = 0; u < NV; ++u) xv[u] = vload(x + u * VW);
            if (nb == OB) {  // the full block: a fixed trip count the compiler unrolls into registers
                for (int b = 0; b < OB; ++b)
                    for (int u = 0; u < NV; ++u) acc[b][u] = vfma(vset(w[b * K + k]), xv[u], acc[b][u]);
            } else {
                for (int b = 0; b < nb; ++b)
                    for (int u = 0; u < NV; ++u) acc[b][u] = vfma(vset(w[b * K + k]), xv[u], acc[b][u]);
            }
        }
    for (int b = 0; b < nb; ++b) {
        float row[V];
        for (int u = 0; u < NV; ++u) vstore(row + u * VW, acc[b][u]);
        memcpy(out + b * ostride, row, sizeof(float) * nv);
    }
}

// Output rows [r0, r1) of the N*Ho rows of y (N, O, Ho, Wo), for weights w (O, T, C) and T taps at
// `offsets`. The flat input must have V spare zeros after the last tap's reach (unused lanes read them).
void conv2d_direct_f32(const float* restrict flat, long long fstride, const float* restrict w,
                       const long long* restrict offsets, float* restrict y, long long C, long long O, long long T,
                       long long hp, long long wp, long long ho, long long wo, long long r0, long long r1) {
    const long long K = T * C, plane = ho * wo;
    for (long long r = r0; r < r1; ++r) {
        const long long n = r / ho, row = r % ho;
        const float* restrict base = flat + n * hp * wp + row * wp;
        float* restrict out_row = y + n * O * plane + row * wo;
        for (long long x0 = 0; x0 < wo; x0 += V) {
            const int nv = wo - x0 < V ? (int)(wo - x0) : V;
            for (long long o = 0; o < O; o += OB)
                conv_block(base + x0, fstride, w + o * K, offsets, T, C, out_row + o * plane + x0, plane,
                           O - o < OB ? (int)(O - o) : OB, nv);
        }
    }
}

// The spare zeros conv2d_direct_f32 needs after the flat input's reach.
long long conv2d_direct_spare(void) { return V; }

#define XU 4  // output positions per step of the weight gradient's loop

// gw[q*gstride + o] += Σ_x pixel[offsets[q] + x] · g[x*gstride + o] for the nk <= KT taps q and the VW output
// channels o from g's first, over one row of wo positions in order (XU at a time, each tap's terms still in
// order): the gradient's running sums, carried from row to row in gw.
static void weight_row(const float* restrict pixel, const long long* restrict offsets, int nk,
                       const float* restrict g, long long gstride, float* restrict gw, long long wo) {
    vec acc[KT];
    for (int q = 0; q < nk; ++q) acc[q] = vload(gw + q * gstride);
    long long x = 0;
    for (; x + XU <= wo; x += XU) {
        vec gv[XU];
        for (int u = 0; u < XU; ++u) gv[u] = vload(g + (x + u) * gstride);
        if (nk == KT) {
            for (int q = 0; q < KT; ++q) {
                const float* restrict src = pixel + offsets[q] + x;
                for (int u = 0; u < XU; ++u) acc[q] = vfma(gv[u], vset(src[u]), acc[q]);
            }
        } else {
            for (int q = 0; q < nk; ++q) {
                const float* restrict src = pixel + offsets[q] + x;
                for (int u = 0; u < XU; ++u) acc[q] = vfma(gv[u], vset(src[u]), acc[q]);
            }
        }
    }
    for (; x < wo; ++x) {
        const vec gv = vload(g + x * gstride);
        for (int q = 0; q < nk; ++q) acc[q] = vfma(gv, vset(pixel[offsets[q] + x]), acc[q]);
    }
    for (int q = 0; q < nk; ++q) vstore(gw + q * gstride, acc[q]);
}

// Rows [k0, k1) of gw (K, Opad), Opad = O rounded up to conv2d_weight_direct_lanes(): the weight gradient
// for the K taps at `offsets` (flat-input offsets of (c, i, j) in weight order) and the output gradient gy
// (N, O, Ho, Wo). Each output row of gy is first turned position-major (channels padded with zeros) in a
// buffer of its own. Returns nonzero when that buffer cannot be allocated.
int conv2d_weight_direct_f32(const float* restrict flat, const long long* restrict offsets, const float* restrict gy,
                             float* restrict gw, long long O, long long n_images, long long hp, long long wp,
                             long long ho, long long wo, long long k0, long long k1) {
    const long long opad = (O + VW - 1) / VW * VW;
    float* rows = malloc(sizeof(float) * wo * opad);
    if (!rows) return 1;
    memset(gw + k0 * opad, 0, sizeof(float) * (k1 - k0) * opad);
    for (long long n = 0; n < n_images; ++n)
        for (long long row = 0; row < ho; ++row) {
            for (long long o = 0; o < opad; ++o)
                for (long long x = 0; x < wo; ++x)
                    rows[x * opad + o] = o < O ? gy[((n * O + o) * ho + row) * wo + x] : 0.0f;
            const float* restrict pixel = flat + n * hp * wp + row * wp;
            for (long long o = 0; o < opad; o += VW)
                for (long long k = k0; k < k1; k += KT)
                    weight_row(pixel, offsets + k, k1 - k < KT ? (int)(k1 - k) : KT, rows + o, opad,
                               gw + k * opad + o, wo);
        }
    free(rows);
    return 0;
}

// The lanes conv2d_weight_direct_f32 sums output channels in (its Opad is a multiple of them), and the
// taps of one tile (its ranges of taps are best split at multiples of them).
long long conv2d_weight_direct_lanes(void) { return VW; }
long long conv2d_weight_direct_tile(void) { return KT; }

// gb[o] = Σ over n, then the plane's m, of g[n, o, m] (g is (N, O, M)): each channel's sum taken in order,
// one rounding per term, as torch's kernel sums a convolution's bias gradient.
void conv2d_bias_grad_f32(const float* restrict g, float* restrict gb, long long n, long long o, long long m) {
    for (long long c = 0; c < o; ++c) gb[c] = 0.0f;
    for (long long i = 0; i < n; ++i)
        for (long long j = 0; j < m; ++j)
            for (long long c = 0; c < o; ++c) gb[c] += g[(i * o + c) * m + j];
}
