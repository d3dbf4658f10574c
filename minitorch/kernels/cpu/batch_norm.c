// Batch normalisation over float32 (N, C, M) arrays (M: the spatial size), for the channels c0 <= c < c1
// (so that channel ranges run on threads of their own). Reference: ArrayBackend.batch_norm_stats /
// batch_norm_apply / batch_norm_backward, whose NumPy steps these follow in one or two passes each.
//
// The statistics follow torch's CPU kernel: sums accumulate in double (its accumulation type for float), each
// difference and square rounds in float32, and the output is one fused multiply-add, x · α + β, as torch's
// vectorised loop compiles. Elsewhere each step rounds in float32 as the NumPy reference's operations do.

#include <math.h>

// Sums in LANES independent double accumulators, so that the compiler can keep them in vector registers (a
// single running total would be one long chain of dependent additions).
#define LANES 8

static double sum_plane(const float* restrict p, long long m) {
    double acc[LANES] = {0};
    long long i = 0;
    for (; i + LANES <= m; i += LANES)
        for (int k = 0; k < LANES; ++k) acc[k] += p[i + k];
    double total = 0.0;
    for (int k = 0; k < LANES; ++k) total += acc[k];
    for (; i < m; ++i) total += p[i];
    return total;
}

// Σ (x - mu)², each difference and square rounded in float32, summed in double.
static double squares_plane(const float* restrict p, long long m, float mu) {
    double acc[LANES] = {0};
    long long i = 0;
    for (; i + LANES <= m; i += LANES)
        for (int k = 0; k < LANES; ++k) {
            const float d = p[i + k] - mu;
            acc[k] += (double)(d * d);
        }
    double total = 0.0;
    for (int k = 0; k < LANES; ++k) total += acc[k];
    for (; i < m; ++i) {
        const float d = p[i] - mu;
        total += (double)(d * d);
    }
    return total;
}

// mean_c = Σ x / count rounded to float32, and var_sum_c = Σ (x - mean_c)², with count = N · M (two passes over
// the channel), as torch's kernel for planes of more than one element.
void batch_norm_stats_f32(const float* restrict x, float* restrict mean, float* restrict var_sum, long long n,
                          long long c, long long m, long long c0, long long c1) {
    const double count = (double)(n * m);
    for (long long ch = c0; ch < c1; ++ch) {
        double total = 0.0;
        for (long long b = 0; b < n; ++b) total += sum_plane(x + (b * c + ch) * m, m);
        const float mu = (float)(total / count);
        double squares = 0.0;
        for (long long b = 0; b < n; ++b) squares += squares_plane(x + (b * c + ch) * m, m, mu);
        mean[ch] = mu;
        var_sum[ch] = (float)squares;
    }
}

// The same statistics of an (N, C) array as torch's kernel takes them when each plane is one element (it reads
// the array as channels-last): with N above the thread count, each of `threads` consecutive row ranges sums its
// rows in float32 (Σ x, then Σ (x - mean)² as fused multiply-adds), and the range sums add up in double. With
// fewer rows, float32 sums with a float32 division (C <= 16, C > 2048 or one thread) or double ones.
// `buffer` holds threads · C floats.
void batch_norm_stats_rows_f32(const float* restrict x, float* restrict mean, float* restrict var_sum,
                               float* restrict buffer, long long n, long long c, long long threads) {
    if (n <= threads && !(threads == 1 || c <= 16 || c > 2048)) {
        batch_norm_stats_f32(x, mean, var_sum, n, c, 1, 0, c);
        return;
    }
    const int ranges = n > threads;
    const long long parts = ranges ? threads : 1, chunk = ranges ? (n + threads - 1) / threads : n;
    for (long long i = 0; i < parts * c; ++i) buffer[i] = 0.0f;
    for (long long t = 0; t < parts; ++t)
        for (long long r = t * chunk; r < n && r < (t + 1) * chunk; ++r)
            for (long long ch = 0; ch < c; ++ch) buffer[t * c + ch] += x[r * c + ch];
    for (long long ch = 0; ch < c; ++ch) {
        if (ranges) {
            double total = 0.0;
            for (long long t = 0; t < parts; ++t) total += buffer[t * c + ch];
            mean[ch] = (float)(total / (double)n);
        } else {
            mean[ch] = buffer[ch] / (float)n;
        }
    }
    for (long long i = 0; i < parts * c; ++i) buffer[i] = 0.0f;
    for (long long t = 0; t < parts; ++t)
        for (long long r = t * chunk; r < n && r < (t + 1) * chunk; ++r)
            for (long long ch = 0; ch < c; ++ch) {
                const float d = x[r * c + ch] - mean[ch];
                buffer[t * c + ch] = fmaf(d, d, buffer[t * c + ch]);
            }
    for (long long ch = 0; ch < c; ++ch) {
        double total = 0.0;
        for (long long t = 0; t < parts; ++t) total += buffer[t * c + ch];
        var_sum[ch] = (float)total;
    }
}

// y = x · alpha_c + beta_c, rounded once.
void batch_norm_apply_f32(const float* restrict x, float* restrict y, const float* restrict alpha,
                          const float* restrict beta, long long n, long long c, long long m, long long c0,
                          long long c1) {
    for (long long b = 0; b < n; ++b) {
        for (long long ch = c0; ch < c1; ++ch) {
            const float a = alpha[ch], s = beta[ch];
            const float* plane = x + (b * c + ch) * m;
            float* out = y + (b * c + ch) * m;
            for (long long i = 0; i < m; ++i) out[i] = fmaf(plane[i], a, s);
        }
    }
}

// Σ g and Σ g · x̂ per channel, x̂ = (x - mean_c) · rstd_c (in double, from float32 products).
void batch_norm_backward_reduce_f32(const float* restrict g, const float* restrict x, const float* restrict mean,
                                    const float* restrict rstd, double* restrict g_sum, double* restrict gxhat_sum,
                                    long long n, long long c, long long m, long long c0, long long c1) {
    for (long long ch = c0; ch < c1; ++ch) {
        const float mu = mean[ch], r = rstd[ch];
        double sg[LANES] = {0}, sgx[LANES] = {0};
        double tail_g = 0.0, tail_gx = 0.0;
        for (long long b = 0; b < n; ++b) {
            const float* gp = g + (b * c + ch) * m;
            const float* xp = x + (b * c + ch) * m;
            long long i = 0;
            for (; i + LANES <= m; i += LANES)
                for (int k = 0; k < LANES; ++k) {
                    const float xhat = (xp[i + k] - mu) * r;
                    sg[k] += gp[i + k];
                    sgx[k] += gp[i + k] * xhat;
                }
            for (; i < m; ++i) {
                const float xhat = (xp[i] - mu) * r;
                tail_g += gp[i];
                tail_gx += gp[i] * xhat;
            }
        }
        for (int k = 0; k < LANES; ++k) {
            tail_g += sg[k];
            tail_gx += sgx[k];
        }
        g_sum[ch] = tail_g;
        gxhat_sum[ch] = tail_gx;
    }
}

// gx = ((g - kg_c) - x̂ · kx_c) · scale_c with batch statistics (kg = Σ g / count, kx = Σ g x̂ / count), or
// g · scale_c with running ones (batch_stats = 0).
void batch_norm_backward_input_f32(const float* restrict g, const float* restrict x, float* restrict gx,
                                   const float* restrict mean, const float* restrict rstd,
                                   const float* restrict scale, const float* restrict kg, const float* restrict kx,
                                   int batch_stats, long long n, long long c, long long m, long long c0,
                                   long long c1) {
    for (long long b = 0; b < n; ++b) {
        for (long long ch = c0; ch < c1; ++ch) {
            const float* gp = g + (b * c + ch) * m;
            const float* xp = x + (b * c + ch) * m;
            float* out = gx + (b * c + ch) * m;
            const float s = scale[ch];
            if (!batch_stats) {
                for (long long i = 0; i < m; ++i) out[i] = gp[i] * s;
                continue;
            }
            const float mu = mean[ch], r = rstd[ch], a = kg[ch], k = kx[ch];
            for (long long i = 0; i < m; ++i) {
                float xhat = (xp[i] - mu) * r;
                xhat = xhat * k;
                float v = gp[i] - a;
                v = v - xhat;
                out[i] = v * s;
            }
        }
    }
}
