// One fused Adam / AdamW step over float32 parameters and their state on the CPU, in one pass over memory
// (NumPy's version makes about twenty). The arithmetic is torch's single-tensor step operation by operation,
// each rounded to float32 (no fused multiply-adds), with the constants as the caller rounds them, so the
// result is the NumPy backend's bit for bit (reference: ArrayBackend.adam_step; kernels/adam.cu is the
// CUDA twin). amsgrad's running maximum propagates NaN, as torch.maximum does.
#include <math.h>

void adam_step_f32(float* restrict p, const float* restrict grad, float* restrict m, float* restrict v,
                   float* restrict vmax, long long n, float one_minus_beta1, float beta2, float one_minus_beta2,
                   float eps, float weight_decay, float decay_factor, float step_size, float bias2_sqrt,
                   int decoupled, int maximize, int amsgrad) {
    for (long long i = 0; i < n; ++i) {
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
}
