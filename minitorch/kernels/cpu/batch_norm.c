// Batch normalisation over float32 (N, C, M) arrays (M: the spatial size), for the channels c0 <= c < c1
// (so that channel ranges run on threads of their own). Reference: ArrayBackend.batch_norm_stats /
// batch_norm_apply / batch_norm_backward, whose NumPy steps these follow in one or two passes each.
//
// The statistics accumulate in double, as torch's CPU kernel does (its accumulation type for float); the
// elementwise steps round in float32 exactly as the NumPy reference's operations do (no fused multiply-adds).

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

static double squares_plane(const float* restrict p, long long m, double mu) {
    double acc[LANES] = {0};
    long long i = 0;
    for (; i + LANES <= m; i += LANES)
        for (int k = 0; k < LANES; ++k) {
            const double d = p[i + k] - mu;
            acc[k] += d * d;
        }
    double total = 0.0;
    for (int k = 0; k < LANES; ++k) total += acc[k];
    for (; i < m; ++i) total += (p[i] - mu) * (p[i] - mu);
    return total;
}

// mean_c and the biased variance Σ (x - mean_c)² / count, with count = N · M (two passes over the channel).
void batch_norm_stats_f32(const float* restrict x, float* restrict mean, float* restrict var, long long n,
                          long long c, long long m, long long c0, long long c1) {
    const double count = (double)(n * m);
    for (long long ch = c0; ch < c1; ++ch) {
        double total = 0.0;
        for (long long b = 0; b < n; ++b) total += sum_plane(x + (b * c + ch) * m, m);
        const double mu = total / count;
        double squares = 0.0;
        for (long long b = 0; b < n; ++b) squares += squares_plane(x + (b * c + ch) * m, m, mu);
        mean[ch] = (float)mu;
        var[ch] = (float)(squares / count);
    }
}

// y = x · alpha_c + beta_c.
void batch_norm_apply_f32(const float* restrict x, float* restrict y, const float* restrict alpha,
                          const float* restrict beta, long long n, long long c, long long m, long long c0,
                          long long c1) {
    for (long long b = 0; b < n; ++b) {
        for (long long ch = c0; ch < c1; ++ch) {
            const float a = alpha[ch], s = beta[ch];
            const float* plane = x + (b * c + ch) * m;
            float* out = y + (b * c + ch) * m;
            for (long long i = 0; i < m; ++i) {
                const float t = plane[i] * a;
                out[i] = t + s;
            }
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
