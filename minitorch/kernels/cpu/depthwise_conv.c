// Depthwise 2-d cross-correlation over float32 on the CPU: each channel of x (N, C, H, W) with its own
// kernel w (C, 1, kh, kw), plus an optional bias, as torch's conv2d with groups = C computes it, and its
// two gradients. The forward copies each plane into a zero-bordered buffer and sums blocks of 16 output
// columns over all the taps in vector registers. The gradients walk output rows and kernel taps, the
// innermost loop over the output columns a tap reaches inside the input (padding is a column range, never
// a read outside), a vectorisable multiply-add. Reference: the im2col GEMMs of ArrayBackend.conv2d and its
// gradients (the sums are taken in another order, so results agree to rounding).

#include <stdlib.h>
#include <string.h>

static long long ceil_div(long long a, long long b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// DW_BLOCK output columns of one row: bias + Σ over taps (ky, kx), in that order, of w[ky, kx] times the
// input, summed in registers and stored once. The input of output column j for tap (ky, kx) is
// src(ky, kx)[j]: a stride-1 convolution reads the zero-bordered rows directly; a stride-2 one reads the
// even or odd columns of them, kept apart (`parts`), so that both read consecutive floats.
// dw_block16: 16 output columns of one row, bias + Σ over taps (ky, kx), in that order, of w[ky, kx] times
// the input, summed in two 8-float vector registers (GCC's vector extension) and stored once. Stride 1 reads
// the zero-bordered rows; stride 2 the even or odd columns of them, kept apart so that both read consecutive
// floats.
typedef float dw_vec __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) void dw_accumulate(dw_vec* acc, float wv, const float* src) {
    dw_vec lo, hi;
    memcpy(&lo, src, sizeof lo);
    memcpy(&hi, src + 8, sizeof hi);
    acc[0] += wv * lo;
    acc[1] += wv * hi;
}

static inline void dw_block16(const float* restrict rows, long long wp, const float* restrict wc, long long kh,
                              long long kw, long long dh, long long dw, float start, float* restrict out) {
    dw_vec acc[2] = {start - (dw_vec){0}, start - (dw_vec){0}};
    for (long long ky = 0; ky < kh; ++ky)
        for (long long kx = 0; kx < kw; ++kx)
            dw_accumulate(acc, wc[ky * kw + kx], rows + ky * dh * wp + kx * dw);
    memcpy(out, acc, sizeof acc);
}

static inline void dw_block16_stride2(const float* restrict even, const float* restrict odd, long long half,
                                      const float* restrict wc, long long kh, long long kw, long long dh,
                                      long long dw, float start, float* restrict out) {
    dw_vec acc[2] = {start - (dw_vec){0}, start - (dw_vec){0}};
    for (long long ky = 0; ky < kh; ++ky)
        for (long long kx = 0; kx < kw; ++kx) {
            const long long col = kx * dw;
            dw_accumulate(acc, wc[ky * kw + kx], ((col & 1) ? odd : even) + ky * dh * half + (col >> 1));
        }
    memcpy(out, acc, sizeof acc);
}
#define DW_SLACK 64

// planes: the (n, c) planes [first, last) of the N*C to compute (the caller splits them between threads).
// Each plane is copied once into a zero-bordered buffer (for stride 2, its even and odd columns apart),
// so every tap reads inside it without a bounds test; blocks of DW_BLOCK output columns go through
// dw_block, and the columns left at a row's end through the same sums, one column at a time.
// Returns 0, or 1 when its buffers could not be allocated (y is then not written).
int depthwise_conv2d_f32(const float* restrict x, const float* restrict w, const float* restrict bias,
                         float* restrict y, long long first, long long last, long long channels, long long h,
                         long long wd, long long kh, long long kw, long long sh, long long sw, long long ph,
                         long long pw, long long dh, long long dw, long long oh, long long ow) {
    const long long hp = h + 2 * ph, wp = wd + 2 * pw, half = (wp + 1) / 2;
    const int split = sw == 2;
    // DW_SLACK floats past each buffer: a block at a row's end reads (and computes, without storing) up to 15
    // columns beyond it, which lie in the next row, or here
    float* padded = calloc((size_t)(hp * wp + DW_SLACK), sizeof(float));
    float* halves = split ? calloc((size_t)(2 * hp * half + DW_SLACK), sizeof(float)) : NULL;
    if (!padded || (split && !halves)) {
        free(padded);
        free(halves);
        return 1;
    }
    for (long long plane = first; plane < last; ++plane) {
        const long long c = plane % channels;
        const float* xp = x + plane * h * wd;
        const float* wc = w + c * kh * kw;
        float* yp = y + plane * oh * ow;
        const float start = bias ? bias[c] : 0.0f;
        for (long long iy = 0; iy < h; ++iy)  // the borders stay zero from calloc
            memcpy(padded + (iy + ph) * wp + pw, xp + iy * wd, (size_t)wd * sizeof(float));
        if (split)
            for (long long r = 0; r < hp; ++r) {
                const float* row = padded + r * wp;
                float* even = halves + r * half;
                float* odd = halves + hp * half + r * half;
                for (long long i = 0; i < wp / 2; ++i) {
                    even[i] = row[2 * i];
                    odd[i] = row[2 * i + 1];
                }
                if (wp & 1) even[wp / 2] = row[wp - 1];
            }
        for (long long oy = 0; oy < oh; ++oy) {
            float* yrow = yp + oy * ow;
            const float* rows = padded + oy * sh * wp;
            long long ox0 = 0;
            float tail[16];
            if (sw == 1) {
                for (; ox0 + 16 <= ow; ox0 += 16) dw_block16(rows + ox0, wp, wc, kh, kw, dh, dw, start, yrow + ox0);
                if (ox0 < ow) {  // the row's last columns: a whole block computed, its first ow - ox0 kept
                    dw_block16(rows + ox0, wp, wc, kh, kw, dh, dw, start, tail);
                    memcpy(yrow + ox0, tail, (size_t)(ow - ox0) * sizeof(float));
                    ox0 = ow;
                }
            } else if (split) {
                const float* even = halves + oy * sh * half;
                const float* odd = even + hp * half;
                for (; ox0 + 16 <= ow; ox0 += 16)
                    dw_block16_stride2(even + ox0, odd + ox0, half, wc, kh, kw, dh, dw, start, yrow + ox0);
                if (ox0 < ow) {
                    dw_block16_stride2(even + ox0, odd + ox0, half, wc, kh, kw, dh, dw, start, tail);
                    memcpy(yrow + ox0, tail, (size_t)(ow - ox0) * sizeof(float));
                    ox0 = ow;
                }
            }
            for (long long ox = ox0; ox < ow; ++ox) yrow[ox] = start;
            for (long long ky = 0; ky < kh; ++ky)
                for (long long kx = 0; kx < kw; ++kx) {
                    const float wv = wc[ky * kw + kx];
                    const float* src = rows + ky * dh * wp + kx * dw;
                    for (long long ox = ox0; ox < ow; ++ox) yrow[ox] += wv * src[ox * sw];
                }
        }
    }
    free(padded);
    free(halves);
    return 0;
}

// The tap loop shared by the three kernels: for output row oy and tap (ky, kx), the input row iy and the
// output columns [lo, hi) whose input column ox * sw + shift lies inside the row.
#define FOR_EACH_TAP(body)                                                                            \
    for (long long oy = 0; oy < oh; ++oy)                                                             \
        for (long long ky = 0; ky < kh; ++ky) {                                                       \
            const long long iy = oy * sh + ky * dh - ph;                                              \
            if (iy < 0 || iy >= h) continue;                                                          \
            for (long long kx = 0; kx < kw; ++kx) {                                                   \
                const long long shift = kx * dw - pw;                                                 \
                long long lo = ceil_div(-shift, sw), hi = ceil_div(wd - shift, sw);                   \
                if (lo < 0) lo = 0;                                                                   \
                if (hi > ow) hi = ow;                                                                 \
                body                                                                                  \
            }                                                                                         \
        }

// gx = the transposed depthwise convolution of gy: each output gradient spread back over its window.
void depthwise_conv2d_input_grad_f32(const float* restrict gy, const float* restrict w, float* restrict gx,
                                     long long first, long long last, long long channels, long long h,
                                     long long wd, long long kh, long long kw, long long sh, long long sw,
                                     long long ph, long long pw, long long dh, long long dw, long long oh,
                                     long long ow) {
    for (long long plane = first; plane < last; ++plane) {
        const float* wc = w + (plane % channels) * kh * kw;
        const float* gyp = gy + plane * oh * ow;
        float* gxp = gx + plane * h * wd;
        for (long long i = 0; i < h * wd; ++i) gxp[i] = 0.0f;
        FOR_EACH_TAP({
            const float wv = wc[ky * kw + kx];
            const float* gyrow = gyp + oy * ow;
            float* gxrow = gxp + iy * wd + shift;
            if (sw == 1) {
                for (long long ox = lo; ox < hi; ++ox) gxrow[ox] += wv * gyrow[ox];
            } else {
                for (long long ox = lo; ox < hi; ++ox) gxrow[ox * sw] += wv * gyrow[ox];
            }
        })
    }
}

// gw_planes[plane] = each tap's sum over the plane's positions of gy times the input it saw (the caller
// adds the planes of one channel over the batch). Sums run in 8 lanes, so they vectorise in order.
void depthwise_conv2d_weight_grad_f32(const float* restrict x, const float* restrict gy,
                                      float* restrict gw_planes, long long first, long long last,
                                      long long channels, long long h, long long wd, long long kh, long long kw,
                                      long long sh, long long sw, long long ph, long long pw, long long dh,
                                      long long dw, long long oh, long long ow) {
    (void)channels;
    for (long long plane = first; plane < last; ++plane) {
        const float* xp = x + plane * h * wd;
        const float* gyp = gy + plane * oh * ow;
        float* out = gw_planes + plane * kh * kw;
        for (long long t = 0; t < kh * kw; ++t) out[t] = 0.0f;
        FOR_EACH_TAP({
            const float* gyrow = gyp + oy * ow;
            const float* xrow = xp + iy * wd + shift;
            float lane[8] = {0};
            long long ox = lo;
            for (; ox + 8 <= hi; ox += 8)
                for (int j = 0; j < 8; ++j) lane[j] += gyrow[ox + j] * xrow[(ox + j) * sw];
            float total = 0.0f;
            for (; ox < hi; ++ox) total += gyrow[ox] * xrow[ox * sw];
            for (int j = 0; j < 8; ++j) total += lane[j];
            out[ky * kw + kx] += total;
        })
    }
}

// ---- the gradients channels-last, for small planes ------------------------------------------------------
// On planes of 7 x 7 or 14 x 14 a row is too short for the loops above to fill a vector, and their per-row,
// per-tap bookkeeping outweighs the arithmetic. Channels-last, (N, H, W, Cp) with Cp a multiple of 16, a
// vector holds 16 channels at one position, whatever the plane's size: each (position, tap) is one vector
// multiply-add. Vectors [v0, v1) of 16 channels; the taps' row and column steps go in `ty`, `tx`.
typedef float dw_vec16 __attribute__((vector_size(64)));
#define DW_TAPS 16  // taps summed in registers at once

static inline dw_vec16 dw_load16(const float* p) {
    dw_vec16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void dw_store16(float* p, dw_vec16 v) { memcpy(p, &v, sizeof v); }

// gw (kh*kw, Cp): each tap's sum, over images, output rows and columns in order, of gy times the input the
// tap saw there (the padding contributes nothing).
void depthwise_conv2d_weight_grad_cl_f32(const float* restrict x, const float* restrict gy, float* restrict gw,
                                         long long v0, long long v1, long long n, long long cp, long long h,
                                         long long wd, long long kh, long long kw, long long sh, long long sw,
                                         long long ph, long long pw, long long dh, long long dw, long long oh,
                                         long long ow) {
    const long long taps = kh * kw;
    for (long long v = v0; v < v1; ++v)
        for (long long t0 = 0; t0 < taps; t0 += DW_TAPS) {
            dw_vec16 acc[DW_TAPS];
            long long ty[DW_TAPS], tx[DW_TAPS];
            for (int q = 0; q < DW_TAPS; ++q) {
                acc[q] = (dw_vec16){0};
                ty[q] = (t0 + q) / kw * dh - ph;
                tx[q] = (t0 + q) % kw * dw - pw;
            }
            for (long long img = 0; img < n; ++img)
                for (long long oy = 0; oy < oh; ++oy)
                    for (long long ox = 0; ox < ow; ++ox) {
                        const dw_vec16 g = dw_load16(gy + ((img * oh + oy) * ow + ox) * cp + v * 16);
                        for (int q = 0; q < DW_TAPS; ++q) {
                            const long long iy = oy * sh + ty[q], ix = ox * sw + tx[q];
                            if (t0 + q < taps && iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                acc[q] += g * dw_load16(x + ((img * h + iy) * wd + ix) * cp + v * 16);
                        }
                    }
            for (int q = 0; q < DW_TAPS && t0 + q < taps; ++q) dw_store16(gw + (t0 + q) * cp + v * 16, acc[q]);
        }
}

// gx (N, H, W, Cp), zero on entry: each output gradient spread back over its window, w (kh*kw, Cp) the taps'
// weights; the contributions to an input position arrive in the order of the output positions, then taps.
void depthwise_conv2d_input_grad_cl_f32(const float* restrict gy, const float* restrict w, float* restrict gx,
                                        long long v0, long long v1, long long n, long long cp, long long h,
                                        long long wd, long long kh, long long kw, long long sh, long long sw,
                                        long long ph, long long pw, long long dh, long long dw, long long oh,
                                        long long ow) {
    for (long long v = v0; v < v1; ++v)
        for (long long img = 0; img < n; ++img)
            for (long long oy = 0; oy < oh; ++oy)
                for (long long ox = 0; ox < ow; ++ox) {
                    const dw_vec16 g = dw_load16(gy + ((img * oh + oy) * ow + ox) * cp + v * 16);
                    for (long long ky = 0; ky < kh; ++ky) {
                        const long long iy = oy * sh + ky * dh - ph;
                        if (iy < 0 || iy >= h) continue;
                        for (long long kx = 0; kx < kw; ++kx) {
                            const long long ix = ox * sw + kx * dw - pw;
                            if (ix < 0 || ix >= wd) continue;
                            float* at = gx + ((img * h + iy) * wd + ix) * cp + v * 16;
                            dw_store16(at, dw_load16(at) + dw_load16(w + (ky * kw + kx) * cp + v * 16) * g);
                        }
                    }
                }
}
