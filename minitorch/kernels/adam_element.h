// One element of a fused Adam / AdamW step, shared by the CUDA kernel (kernels/adam.cu) and the CPU one
// (kernels/cpu/adam.c). The arithmetic is torch's single-tensor step operation by operation, each rounded
// to float32 (no fused multiply-adds), with the constants as the host rounds them (1 - beta, the bias
// corrections); amsgrad's running maximum propagates NaN, as torch.maximum does. Reference: the NumPy
// backend's adam_step.
#pragma once
#if !defined(__CUDACC_RTC__)  // NVRTC has fabsf, sqrtf and isnan built in, and no math.h
#include <math.h>
#endif

#if defined(__CUDACC__) || defined(__CUDACC_RTC__) || defined(__cplusplus)
#define ADAM_ELEMENT __device__ inline  // CUDA (and its C++ emulation, where __device__ is empty)
#else
#define ADAM_ELEMENT static inline
#endif

ADAM_ELEMENT void adam_element(float* p, const float* grad, float* m, float* v, float* vmax, long long i,
                               float one_minus_beta1, float beta2, float one_minus_beta2, float eps,
                               float weight_decay, float decay_factor, float step_size, float bias2_sqrt,
                               int decoupled, int maximize, int amsgrad) {
    float g = maximize ? -grad[i] : grad[i];
    float param = p[i];
    if (weight_decay != 0.0f) {
        if (decoupled) param *= decay_factor;
        else g = g + param * weight_decay;
    }
    const float w = one_minus_beta1;
    const float d = g - m[i];
    const float mi = fabsf(w) < 0.5f ? m[i] + w * d : g - d * (1.0f - w);  // lerp from the nearer end
    float vi = v[i] * beta2;
    vi += (g * one_minus_beta2) * g;
    m[i] = mi;
    v[i] = vi;
    if (amsgrad) {
        vi = isnan(vmax[i]) || vmax[i] > vi ? vmax[i] : vi;
        vmax[i] = vi;
    }
    const float denom = sqrtf(vi) / bias2_sqrt + eps;
    p[i] = param + (mi * step_size) / denom;
}
