// 2-d pooling over (planes, H, W) images, planes = N * C; one thread per output (or input) element.
// max_pool2d_forward: each window's maximum and its flat position h*W + w; a NaN wins (the last one
// in row-major window order, as torch's scan keeps it), otherwise the first maximum.
// max_pool2d_backward: each output gradient atomically added at its maximum's position (windows may
// overlap). avg_pool2d: window sums over the zero-padded input / torch's divisor; its backward
// gathers, for each input pixel, the windows covering it (no atomics).
// Reference: the NumPy backend's max_pool2d / max_pool2d_backward / avg_pool2d / avg_pool2d_backward.
#include "cuda_compat.h"

#define MT_POOL_PARAMS long long planes, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, \
    int dw, int ho, int wo
#define MT_POOL_ARGS planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo

extern "C" __global__ void max_pool2d_forward(const float* __restrict__ x, float* __restrict__ y,
                                              long long* __restrict__ idx, MT_POOL_PARAMS) {
    const long long total = planes * ho * wo;
    MT_GRID_STRIDE(i, total) {
        const int oj = (int)(i % wo), oi = (int)((i / wo) % ho);
        const long long plane = i / ((long long)wo * ho);
        const float* src = x + plane * h * w;
        float best = -INFINITY;
        long long where = -1;
        bool found_nan = false;
        for (int ki = 0; ki < kh; ++ki) {
            const int r = oi * sh + ki * dh - ph;
            if (r < 0 || r >= h) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int c = oj * sw + kj * dw - pw;
                if (c < 0 || c >= w) continue;
                const float v = src[r * w + c];
                if (v != v) {
                    best = v;
                    where = (long long)r * w + c;
                    found_nan = true;
                } else if (!found_nan && (where < 0 || v > best)) {
                    best = v;
                    where = (long long)r * w + c;
                }
            }
        }
        y[i] = best;
        idx[i] = where;
    }
}

extern "C" __global__ void max_pool2d_backward(const float* __restrict__ gy, const long long* __restrict__ idx,
                                               float* __restrict__ gx, long long planes, int in_size, int out_size) {
    const long long total = planes * out_size;
    MT_GRID_STRIDE(i, total)
        atomicAdd(gx + (i / out_size) * in_size + idx[i], gy[i]);
}

// The divisor of output (oi, oj): the window clipped to the padded input (count_include_pad), or to
// the input itself; divisor_override > 0 replaces it.
__device__ __forceinline__ float avg_divisor(int oi, int oj, int h, int w, int kh, int kw, int sh, int sw, int ph,
                                             int pw, int count_include_pad, int divisor_override) {
    if (divisor_override > 0) return (float)divisor_override;
    const int r0 = oi * sh - ph, c0 = oj * sw - pw;
    const int r1 = min(r0 + kh, h + ph), c1 = min(c0 + kw, w + pw);
    if (count_include_pad) return (float)((r1 - r0) * (c1 - c0));
    return (float)((min(r1, h) - max(r0, 0)) * (min(c1, w) - max(c0, 0)));
}

extern "C" __global__ void avg_pool2d_forward(const float* __restrict__ x, float* __restrict__ y, MT_POOL_PARAMS,
                                              int count_include_pad, int divisor_override) {
    const long long total = planes * ho * wo;
    MT_GRID_STRIDE(i, total) {
        const int oj = (int)(i % wo), oi = (int)((i / wo) % ho);
        const float* src = x + (i / ((long long)wo * ho)) * h * w;
        float sum = 0.0f;
        for (int ki = 0; ki < kh; ++ki) {
            const int r = oi * sh + ki - ph;
            if (r < 0 || r >= h) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int c = oj * sw + kj - pw;
                if (c >= 0 && c < w) sum += src[r * w + c];
            }
        }
        y[i] = sum / avg_divisor(oi, oj, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override);
    }
}

extern "C" __global__ void avg_pool2d_backward(const float* __restrict__ gy, float* __restrict__ gx, MT_POOL_PARAMS,
                                               int count_include_pad, int divisor_override) {
    const long long total = planes * h * w;
    MT_GRID_STRIDE(i, total) {
        const int c = (int)(i % w), r = (int)((i / w) % h);
        const float* g = gy + (i / ((long long)w * h)) * ho * wo;
        float sum = 0.0f;
        for (int ki = 0; ki < kh; ++ki) {
            const int ty = r + ph - ki;
            if (ty < 0 || ty % sh || ty / sh >= ho) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int tx = c + pw - kj;
                if (tx < 0 || tx % sw || tx / sw >= wo) continue;
                const int oi = ty / sh, oj = tx / sw;
                sum += g[oi * wo + oj] /
                       avg_divisor(oi, oj, h, w, kh, kw, sh, sw, ph, pw, count_include_pad, divisor_override);
            }
        }
        gx[i] = sum;
    }
}

MT_EXPORT_LAUNCHER(max_pool2d_forward, (const float* x, float* y, long long* idx, MT_POOL_PARAMS),
                   (x, y, idx, MT_POOL_ARGS))
MT_EXPORT_LAUNCHER(max_pool2d_backward,
                   (const float* gy, const long long* idx, float* gx, long long planes, int in_size, int out_size),
                   (gy, idx, gx, planes, in_size, out_size))
MT_EXPORT_LAUNCHER(avg_pool2d_forward, (const float* x, float* y, MT_POOL_PARAMS, int count_include_pad,
                                        int divisor_override),
                   (x, y, MT_POOL_ARGS, count_include_pad, divisor_override))
MT_EXPORT_LAUNCHER(avg_pool2d_backward, (const float* gy, float* gx, MT_POOL_PARAMS, int count_include_pad,
                                         int divisor_override),
                   (gy, gx, MT_POOL_ARGS, count_include_pad, divisor_override))
