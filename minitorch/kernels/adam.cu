// One fused Adam / AdamW step over a parameter and its state, one thread per element
// (grid-stride). The arithmetic follows torch's single-tensor step operation by operation; the
// constants (1 - beta as the host rounds it, the bias corrections) come from the host.
// Reference: the NumPy backend's adam_step.
#include "cuda_compat.h"

extern "C" __global__ void adam_step(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ m,
                                     float* __restrict__ v, float* __restrict__ vmax, long long n,
                                     float one_minus_beta1, float beta2, float one_minus_beta2, float eps,
                                     float weight_decay, float decay_factor, float step_size, float bias2_sqrt,
                                     int decoupled, int maximize, int amsgrad) {
    MT_GRID_STRIDE(i, n) {
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
            vi = fmaxf(vmax[i], vi);
            vmax[i] = vi;
        }
        const float denom = sqrtf(vi) / bias2_sqrt + eps;
        p[i] = param + (mi * step_size) / denom;
    }
}

MT_EXPORT_LAUNCHER(adam_step,
                   (float* p, const float* grad, float* m, float* v, float* vmax, long long n, float one_minus_beta1,
                    float beta2, float one_minus_beta2, float eps, float weight_decay, float decay_factor,
                    float step_size, float bias2_sqrt, int decoupled, int maximize, int amsgrad),
                   (p, grad, m, v, vmax, n, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay_factor,
                    step_size, bias2_sqrt, decoupled, maximize, amsgrad))
