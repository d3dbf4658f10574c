// SiLU over float32 on the CPU: y = x / (1 + e^-x), as torch's CPU kernel computes it, and its
// derivative gy * s (1 + x (1 - s)) with s = 1 / (1 + e^-x), each in one vectorised pass. Reference: the
// composite of ArrayBackend.silu / silu_backward (the same steps, with NumPy's exp).
#include "exp_f32.h"

void silu_f32(const float* restrict x, float* restrict y, long long n) {
    for (long long i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v / (1.0f + exp_f32(-v));
    }
}

void silu_backward_f32(const float* restrict gy, const float* restrict x, float* restrict gx, long long n) {
    for (long long i = 0; i < n; ++i) {
        const float v = x[i];
        const float s = 1.0f / (1.0f + exp_f32(-v));
        gx[i] = gy[i] * s * (1.0f + v * (1.0f - s));
    }
}
