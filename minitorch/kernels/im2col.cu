// im2col and col2im for convolution, channel-major: column row (c, i, j) and column (n, ho, wo)
// hold input pixel (n, c, ho*sh + i*dh - ph, wo*sw + j*dw - pw), zero outside the image.
// im2col: one thread per column entry. col2im: one thread per image pixel, gathering every
// (kernel offset, window) that reads it, so no two threads write one address (no atomics).
// Reference: the NumPy backend's im2col / col2im.
#include "cuda_compat.h"

struct ConvGeometry {
    int n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo;
};

// The geometry travels as 14 int arguments (plain scalars launch the same way from CuPy and ctypes).
#define MT_CONV_PARAMS int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, \
    int ho, int wo
#define MT_CONV_ARGS n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo

extern "C" __global__ void im2col(const float* __restrict__ x, float* __restrict__ cols, MT_CONV_PARAMS) {
    const ConvGeometry g{MT_CONV_ARGS};
    const long long length = (long long)g.n * g.ho * g.wo;
    const long long total = (long long)g.c * g.kh * g.kw * length;
    MT_GRID_STRIDE(i, total) {
        const long long row = i / length, col = i % length;
        const int kj = (int)(row % g.kw), ki = (int)((row / g.kw) % g.kh), c = (int)(row / ((long long)g.kw * g.kh));
        const int wo = (int)(col % g.wo), ho = (int)((col / g.wo) % g.ho), n = (int)(col / ((long long)g.wo * g.ho));
        const int y = ho * g.sh + ki * g.dh - g.ph, xw = wo * g.sw + kj * g.dw - g.pw;
        const bool inside = y >= 0 && y < g.h && xw >= 0 && xw < g.w;
        cols[i] = inside ? x[(((long long)n * g.c + c) * g.h + y) * g.w + xw] : 0.0f;
    }
}

extern "C" __global__ void col2im(const float* __restrict__ cols, float* __restrict__ img, MT_CONV_PARAMS) {
    const ConvGeometry g{MT_CONV_ARGS};
    const long long length = (long long)g.n * g.ho * g.wo;
    const long long total = (long long)g.n * g.c * g.h * g.w;
    MT_GRID_STRIDE(i, total) {
        const int xw = (int)(i % g.w), y = (int)((i / g.w) % g.h);
        const int c = (int)((i / ((long long)g.w * g.h)) % g.c), n = (int)(i / ((long long)g.w * g.h * g.c));
        float sum = 0.0f;
        for (int ki = 0; ki < g.kh; ++ki) {
            const int ty = y + g.ph - ki * g.dh;  // = ho * sh for the window that reads this pixel
            if (ty < 0 || ty % g.sh) continue;
            const int ho = ty / g.sh;
            if (ho >= g.ho) continue;
            for (int kj = 0; kj < g.kw; ++kj) {
                const int tx = xw + g.pw - kj * g.dw;
                if (tx < 0 || tx % g.sw) continue;
                const int wo = tx / g.sw;
                if (wo >= g.wo) continue;
                const long long row = ((long long)c * g.kh + ki) * g.kw + kj;
                sum += cols[row * length + ((long long)n * g.ho + ho) * g.wo + wo];
            }
        }
        img[i] = sum;
    }
}

MT_EXPORT_LAUNCHER(im2col, (const float* x, float* cols, MT_CONV_PARAMS), (x, cols, MT_CONV_ARGS))
MT_EXPORT_LAUNCHER(col2im, (const float* cols, float* img, MT_CONV_PARAMS), (cols, img, MT_CONV_ARGS))
