// GELU over float32 on the CPU: x * Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2, and its derivative
// Phi(x) + x phi(x). erf is the float32 rational approximation Eigen and XLA use (at most 4.5e-7 from
// the true value on [-4, 4], +-1 beyond). Every step is the one the NumPy reference takes, in the same
// order and without fused multiply-adds, so the results are bit-identical to it (reference: the NumPy
// backend's _gelu_float32 / _gelu_backward_float32). Built without trapping math so the loops vectorise.
#include <math.h>

#include "exp_f32.h"

static const float ERF_P[7] = {-2.72614225801306e-10f, 2.77068142495902e-08f, -2.10102402082508e-06f,
                               -5.69250639462346e-05f, -7.34990630326855e-04f, -2.95459980854025e-03f,
                               -1.60960333262415e-02f};
static const float ERF_Q[5] = {-1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f,
                               -7.37332916720468e-03f, -1.42647390514189e-02f};
#define INV_SQRT_2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

static inline float erf_rational(float v) {
    const float c = v < -4.0f ? -4.0f : (v > 4.0f ? 4.0f : v);
    const float x2 = c * c;
    float p = ERF_P[0], q = ERF_Q[0];
    for (int k = 1; k < 7; ++k) p = p * x2 + ERF_P[k];
    for (int k = 1; k < 5; ++k) q = q * x2 + ERF_Q[k];
    const float e = (p * c) / q;
    const float saturated = v > 0.0f ? 1.0f : -1.0f;      // exactly +-1, as float32's erf rounds there
    return v != v ? v : (fabsf(v) >= 4.0f ? saturated : e);  // NaN stays NaN
}

void gelu_f32(const float* restrict x, float* restrict y, long long n) {
    for (long long i = 0; i < n; ++i) {
        const float v = x[i];
        const float out = (erf_rational(v * INV_SQRT_2) + 1.0f) * v * 0.5f;
        y[i] = v == INFINITY ? NAN : out;  // torch's float32 kernel gives NaN at +inf
    }
}

void gelu_backward_f32(const float* restrict gy, const float* restrict x, float* restrict gx, long long n) {
    for (long long i = 0; i < n; ++i) {
        const float v = x[i];
        const float cdf = (erf_rational(v * INV_SQRT_2) + 1.0f) * 0.5f;
        const float pdf = exp_f32((v * v) * -0.5f) * v * INV_SQRT_2PI;
        gx[i] = (cdf + pdf) * gy[i];
    }
}
