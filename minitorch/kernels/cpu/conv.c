// Stride-1 convolution of float32 on the CPU, straight from the padded input (no column matrix), with
// the roundings of torch's CPU kernel (oneDNN) on one thread.
//
// The input is padded and flat, each channel's plane of each image a row of Hp*Wp pixels and a zero tail
// (the image's planes `fstride` apart, the images `istride` apart), so the pixels a kernel tap meets along
// a run of outputs in one row are one contiguous slice a fixed offset further on (i*dh*Wp + j*dw for tap
// (i, j)); the caller gives the taps' offsets.
//
// Output:          y[o, p] = Σ_t Σ_c w[t, c, o] · x[c, p + offset[t]], one fused multiply-add per term from
//                  zero, taps outer and channels inner: oneDNN's order, so the forward (taps in order) and
//                  the input gradient (the flipped kernel's taps in reverse) are torch's bit for bit.
//                  Blocks of OB output channels by V positions are summed in registers; a block runs on
//                  along the padded rows, and its outputs in the padding columns are dropped.
// Weight gradient: gw[k, o] = Σ_p x[k, p] · gy[p, o] over the output positions p in order (image, row,
//                  column), one fused multiply-add each: oneDNN's order on one thread. Registers hold
//                  tiles of taps by one or two vectors of output channels over one output row at a time.
// Bias gradient:   gb[o] = Σ_p gy[p, o] in the same order, one rounding per term.
// References: the im2col GEMMs of ArrayBackend.conv2d and its gradients (float64 for accuracy).
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define VW 16
#define OB 8  // output channels per block at most (conv_block_8 where the registers hold them)
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

// NB output channels of a block (NB <= OB) at V positions, into sums (NB rows of V): from the flat input at
// `src` (the block's first pixel) and the weights at w, O apart from one (tap, channel) pair to the next.
#define CONV_BLOCK(NB)                                                                                          \
    static void conv_block_##NB(const float* restrict src, long long fstride, const float* restrict w,        \
                                long long O, const long long* restrict offsets, long long T, long long C,      \
                                float* restrict sums) {                                                         \
        vec acc[NB][NV];                                                                                        \
        for (int b = 0; b < NB; ++b)                                                                            \
            for (int u = 0; u < NV; ++u) acc[b][u] = vzero();                                                   \
        for (long long t = 0; t < T; ++t) {                                                                     \
            const float* restrict x = src + offsets[t];                                                         \
            const float* restrict wt = w + t * C * O;                                                           \
            for (long long c = 0; c < C; ++c, x += fstride, wt += O) {                                          \
                vec xv[NV];                                                                                     \
                for (int u = 0; u < NV; ++u) xv[u] = vload(x + u * VW);                                         \
                for (int b = 0; b < NB; ++b) {                                                                  \
                    const vec wb = vset(wt[b]);                                                                 \
                    for (int u = 0; u < NV; ++u) acc[b][u] = vfma(wb, xv[u], acc[b][u]);                        \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        for (int b = 0; b < NB; ++b)                                                                            \
            for (int u = 0; u < NV; ++u) vstore(sums + b * V + u * VW, acc[b][u]);                              \
    }

#if OB == 8
CONV_BLOCK(8)
#endif
CONV_BLOCK(4)
CONV_BLOCK(2)
CONV_BLOCK(1)

// All O output channels at V positions, into sums (O rows of V).
static void conv_blocks(const float* restrict src, long long fstride, const float* restrict w, long long O,
                        const long long* restrict offsets, long long T, long long C, float* restrict sums) {
    long long o = 0;
#if OB == 8
    for (; o + 8 <= O; o += 8) conv_block_8(src, fstride, w + o, O, offsets, T, C, sums + o * V);
#endif
    for (; o + 4 <= O; o += 4) conv_block_4(src, fstride, w + o, O, offsets, T, C, sums + o * V);
    for (; o + 2 <= O; o += 2) conv_block_2(src, fstride, w + o, O, offsets, T, C, sums + o * V);
    for (; o < O; ++o) conv_block_1(src, fstride, w + o, O, offsets, T, C, sums + o * V);
}

// Blocks [i0, i1) of V wide positions (ceil(Ho*Wp / V) of them per image) of y (N, O, Ho, Wo), for weights w
// (T, C, O) and T taps at `offsets`: a block runs on along the padded rows (Wp wide), so narrow images
// still fill its lanes, and its outputs in the padding columns are dropped. Each image's planes must have V
// spare zeros after the last tap's reach (a last block's positions past the image read them). Returns
// nonzero when the buffer of sums cannot be allocated.
int conv2d_direct_f32(const float* restrict flat, long long fstride, const float* restrict w,
                      const long long* restrict offsets, float* restrict y, long long C, long long O, long long T,
                      long long istride, long long wp, long long ho, long long wo, long long i0, long long i1) {
    const long long plane = ho * wo, wide = ho * wp, blocks = (wide + V - 1) / V;
    float* sums = malloc(sizeof(float) * O * V);
    if (!sums) return 1;
    for (long long i = i0; i < i1; ++i) {
        const long long n = i / blocks, s0 = (i % blocks) * V;
        conv_blocks(flat + n * istride + s0, fstride, w, O, offsets, T, C, sums);
        float* restrict out = y + n * O * plane;
        for (long long s = s0; s < s0 + V && s < wide; ++s) {
            const long long row = s / wp, col = s % wp;
            if (col >= wo) continue;
            for (long long o = 0; o < O; ++o) out[o * plane + row * wo + col] = sums[o * V + s - s0];
        }
    }
    free(sums);
    return 0;
}

// The spare zeros conv2d_direct_f32 needs after the flat input's reach.
long long conv2d_direct_spare(void) { return V; }

// gw[q*gstride + u*VW + lane] += Σ_x pixel[offsets[q] + x] · g[x*gstride + u*VW + lane] for the nk <= KQ taps q
// and the OBV vectors of output channels from g's first, over one row of wo positions in order (XU at a
// time, each tap's terms still in order): the gradient's running sums, carried from row to row in gw.
// The terms of XU positions from x for `count` taps (q) and OBV vectors of output channels (u).
#define WEIGHT_TAPS(count, XU, OBV)                                                                             \
    for (int q = 0; q < (count); ++q) {                                                                         \
        const float* restrict src = pixel + offsets[q] + x;                                                     \
        for (int e = 0; e < XU; ++e) {                                                                          \
            const vec xb = vset(src[e]);                                                                        \
            for (int u = 0; u < OBV; ++u) acc[u][q] = vfma(gv[e][u], xb, acc[u][q]);                            \
        }                                                                                                       \
    }

#define WEIGHT_ROW(NAME, OBV, KQ, XU)                                                                           \
    static void NAME(const float* restrict pixel, const long long* restrict offsets, int nk,                   \
                     const float* restrict g, long long gstride, float* restrict gw, long long wo) {            \
        vec acc[OBV][KQ];                                                                                       \
        for (int q = 0; q < nk; ++q)                                                                            \
            for (int u = 0; u < OBV; ++u) acc[u][q] = vload(gw + q * gstride + u * VW);                         \
        long long x = 0;                                                                                        \
        for (; x + XU <= wo; x += XU) {                                                                         \
            vec gv[XU][OBV];                                                                                    \
            for (int e = 0; e < XU; ++e)                                                                        \
                for (int u = 0; u < OBV; ++u) gv[e][u] = vload(g + (x + e) * gstride + u * VW);                 \
            if (nk == KQ) /* the full tile: fixed trip counts the compiler unrolls into registers */           \
                WEIGHT_TAPS(KQ, XU, OBV)                                                                        \
            else                                                                                                \
                WEIGHT_TAPS(nk, XU, OBV)                                                                        \
        }                                                                                                       \
        for (; x < wo; ++x)                                                                                     \
            for (int q = 0; q < nk; ++q) {                                                                      \
                const vec xb = vset(pixel[offsets[q] + x]);                                                     \
                for (int u = 0; u < OBV; ++u) acc[u][q] = vfma(vload(g + x * gstride + u * VW), xb, acc[u][q]); \
            }                                                                                                   \
        for (int q = 0; q < nk; ++q)                                                                            \
            for (int u = 0; u < OBV; ++u) vstore(gw + q * gstride + u * VW, acc[u][q]);                         \
    }

WEIGHT_ROW(weight_row1, 1, KT, 4)      // one vector of output channels by KT taps
WEIGHT_ROW(weight_row2, 2, KT / 2, 2)  // two vectors by KT / 2 taps: each broadcast feeds two FMAs

// Rows [k0, k1) of gw (K, Opad), Opad = O rounded up to conv2d_weight_direct_lanes(): the weight gradient
// for the K taps at `offsets` (flat-input offsets of (c, i, j) in weight order) and the output gradient gy
// (N, O, Ho, Wo). Each output row of gy is first turned position-major (channels padded with zeros) in a
// buffer of its own. Returns nonzero when that buffer cannot be allocated.
int conv2d_weight_direct_f32(const float* restrict flat, const long long* restrict offsets, const float* restrict gy,
                             float* restrict gw, long long O, long long n_images, long long istride, long long wp,
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
            const float* restrict pixel = flat + n * istride + row * wp;
            long long o = 0;
            for (; o + 2 * VW <= opad; o += 2 * VW)
                for (long long k = k0; k < k1; k += KT / 2)
                    weight_row2(pixel, offsets + k, k1 - k < KT / 2 ? (int)(k1 - k) : KT / 2, rows + o, opad,
                                gw + k * opad + o, wo);
            for (; o < opad; o += VW)
                for (long long k = k0; k < k1; k += KT)
                    weight_row1(pixel, offsets + k, k1 - k < KT ? (int)(k1 - k) : KT, rows + o, opad,
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
