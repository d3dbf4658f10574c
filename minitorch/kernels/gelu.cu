// GELU forward and backward, elementwise: x * Phi(x) with the erf form (approximate=0) or torch's
// tanh approximation (approximate=1). A grid-stride loop covers any length. Reference: the NumPy
// backend's gelu / gelu_backward.
#include "cuda_compat.h"

#define MT_SQRT_2_OVER_PI 0.7978845608028654f
#define MT_INV_SQRT_2 0.7071067811865476f
#define MT_INV_SQRT_2PI 0.3989422804014327f

extern "C" __global__ void gelu_forward(const float* __restrict__ x, float* __restrict__ y, long long n,
                                        int approximate) {
    MT_GRID_STRIDE(i, n) {
        const float v = x[i];
        if (approximate) {
            const float inner = MT_SQRT_2_OVER_PI * (v + 0.044715f * v * v * v);
            y[i] = 0.5f * v * (1.0f + tanhf(inner));
        } else {
            y[i] = 0.5f * v * (1.0f + erff(v * MT_INV_SQRT_2));
        }
    }
}

extern "C" __global__ void gelu_backward(const float* __restrict__ gy, const float* __restrict__ x,
                                         float* __restrict__ gx, long long n, int approximate) {
    MT_GRID_STRIDE(i, n) {
        const float v = x[i];
        float d;
        if (approximate) {
            const float v2 = v * v;
            const float t = tanhf(MT_SQRT_2_OVER_PI * (v + 0.044715f * v2 * v));
            d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * MT_SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * v2);
        } else {
            d = 0.5f * (1.0f + erff(v * MT_INV_SQRT_2)) + v * expf(-0.5f * v * v) * MT_INV_SQRT_2PI;
        }
        gx[i] = gy[i] * d;
    }
}

MT_EXPORT_LAUNCHER(gelu_forward, (const float* x, float* y, long long n, int approximate), (x, y, n, approximate))
MT_EXPORT_LAUNCHER(gelu_backward, (const float* gy, const float* x, float* gx, long long n, int approximate),
                   (gy, x, gx, n, approximate))
