// Depthwise 2-d cross-correlation over float32 on the CPU: each channel of x (N, C, H, W) with its own
// kernel w (C, 1, kh, kw), plus an optional bias, as torch's conv2d with groups = C computes it, and its
// two gradients. Every loop nest walks output rows and kernel taps; the innermost loop runs over the
// output columns a tap reaches inside the input (padding is a column range, never a read outside), so
// it is a vectorisable multiply-add. Reference: the im2col GEMMs of ArrayBackend.conv2d and its
// gradients (the sums are taken in another order, so results agree to rounding).

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
