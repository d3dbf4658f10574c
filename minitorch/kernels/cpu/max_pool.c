// 2-d max pooling over float32 (planes, H, W) arrays, for the planes p0 <= p < p1, as torch's CPU kernel
// scans a window: rows, then columns, skipping padding; a value replaces the maximum when it is greater or
// NaN (so the last NaN wins, otherwise the first maximum), starting from -inf at the window's first cell.
// Reference: ArrayBackend._max_pool2d_windows (window views and argmax) and max_pool2d_backward.

void max_pool2d_f32(const float* restrict x, float* restrict y, long long* restrict idx, long long h, long long w,
                    long long ho, long long wo, long long kh, long long kw, long long sh, long long sw,
                    long long ph, long long pw, long long dh, long long dw, long long p0, long long p1) {
    for (long long p = p0; p < p1; ++p) {
        const float* plane = x + p * h * w;
        float* out = y + p * ho * wo;
        long long* where = idx + p * ho * wo;
        for (long long oh = 0; oh < ho; ++oh) {
            long long h0 = oh * sh - ph;
            const long long h1 = h0 + (kh - 1) * dh + 1 < h ? h0 + (kh - 1) * dh + 1 : h;
            while (h0 < 0) h0 += dh;
            for (long long ow = 0; ow < wo; ++ow) {
                long long w0 = ow * sw - pw;
                const long long w1 = w0 + (kw - 1) * dw + 1 < w ? w0 + (kw - 1) * dw + 1 : w;
                while (w0 < 0) w0 += dw;
                long long best_at = h0 * w + w0;
                float best = -__builtin_inff();
                for (long long i = h0; i < h1; i += dh) {
                    for (long long j = w0; j < w1; j += dw) {
                        const float v = plane[i * w + j];
                        const int take = (v > best) | (v != v);  // selects, not a branch: the data decide it
                        best = take ? v : best;
                        best_at = take ? i * w + j : best_at;
                    }
                }
                out[oh * wo + ow] = best;
                where[oh * wo + ow] = best_at;
            }
        }
    }
}

// gx (planes, H·W) = 0, with each gy added at the input position its maximum came from.
void max_pool2d_backward_f32(const float* restrict gy, const long long* restrict idx, float* restrict gx,
                             long long hw, long long howo, long long p0, long long p1) {
    for (long long p = p0; p < p1; ++p) {
        float* plane = gx + p * hw;
        for (long long i = 0; i < hw; ++i) plane[i] = 0.0f;
        const float* g = gy + p * howo;
        const long long* where = idx + p * howo;
        for (long long o = 0; o < howo; ++o) plane[where[o]] += g[o];
    }
}
