// Depthwise 2-d cross-correlation over float32 on the CPU: each channel of x (N, C, H, W) with its own
// kernel w (C, 1, kh, kw), plus an optional bias, as torch's conv2d with groups = C computes it. Each
// output row is built by adding, for every kernel tap, the tap's weight times a run of the input row,
// so the innermost loop is a vectorisable multiply-add over output columns (padding is handled by the
// column range each tap reaches, never by reading outside the input). Reference: the GEMM over im2col
// columns of ArrayBackend.conv2d (the sums are taken in another order, so results agree to rounding).

static long long ceil_div(long long a, long long b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// planes: the (n, c) planes [first, last) of the N*C to compute (the caller splits them between threads)
void depthwise_conv2d_f32(const float* restrict x, const float* restrict w, const float* restrict bias,
                          float* restrict y, long long first, long long last, long long channels, long long h,
                          long long wd, long long kh, long long kw, long long sh, long long sw, long long ph,
                          long long pw, long long dh, long long dw, long long oh, long long ow) {
    for (long long plane = first; plane < last; ++plane) {
        const long long c = plane % channels;
        const float* xp = x + plane * h * wd;
        const float* wc = w + c * kh * kw;
        float* yp = y + plane * oh * ow;
        const float start = bias ? bias[c] : 0.0f;
        for (long long i = 0; i < oh * ow; ++i) yp[i] = start;
        for (long long oy = 0; oy < oh; ++oy) {
            float* yrow = yp + oy * ow;
            for (long long ky = 0; ky < kh; ++ky) {
                const long long iy = oy * sh + ky * dh - ph;
                if (iy < 0 || iy >= h) continue;
                const float* xrow = xp + iy * wd;
                for (long long kx = 0; kx < kw; ++kx) {
                    const float wv = wc[ky * kw + kx];
                    const long long shift = kx * dw - pw;  // ix = ox * sw + shift must lie in [0, wd)
                    long long lo = ceil_div(-shift, sw), hi = ceil_div(wd - shift, sw);
                    if (lo < 0) lo = 0;
                    if (hi > ow) hi = ow;
                    if (sw == 1) {
                        const float* src = xrow + shift;
                        for (long long ox = lo; ox < hi; ++ox) yrow[ox] += wv * src[ox];
                    } else {
                        for (long long ox = lo; ox < hi; ++ox) yrow[ox] += wv * xrow[ox * sw + shift];
                    }
                }
            }
        }
    }
}
