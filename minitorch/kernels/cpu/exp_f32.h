// e^x for the CPU kernels that need it inside a vectorised loop (GELU's density, SiLU's sigmoid).
#ifndef MINITORCH_EXP_F32_H
#define MINITORCH_EXP_F32_H

#include <math.h>

// e^a for float32: Cephes' expf, 2^n e^r with |r| <= ln 2 / 2 and a degree-6 polynomial (within 1 ulp;
// NumPy's and libm's expf round the last bit differently in a few cases), written without calls so the
// loop vectorises. 2^n is applied in two steps where it has no float32 exponent of its own, so results
// go down through the subnormals to 0 and up to the largest float32, then inf.
static inline float exp_f32(float a) {
    const float x = a < -104.0f ? -104.0f : (a > 89.0f ? 89.0f : a);  // beyond these: 0 and inf
    const float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    const int shift = n < -120.0f ? 64 : (n > 120.0f ? -64 : 0);
    union { float f; int i; } scale = {.i = ((int)n + shift + 127) << 23};
    const float result = p * scale.f * (shift > 0 ? 0x1p-64f : (shift < 0 ? 0x1p64f : 1.0f));
    return a < -104.0f ? 0.0f : result;
}

#endif
