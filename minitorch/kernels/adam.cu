// One fused Adam / AdamW step over a parameter and its state, one thread per element
// (grid-stride), each element as kernels/adam_element.h computes it (the CPU kernel shares it).
// Reference: the NumPy backend's adam_step.
#include "cuda_compat.h"
#include "adam_element.h"

extern "C" __global__ void adam_step(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ m,
                                     float* __restrict__ v, float* __restrict__ vmax, long long n,
                                     float one_minus_beta1, float beta2, float one_minus_beta2, float eps,
                                     float weight_decay, float decay_factor, float step_size, float bias2_sqrt,
                                     int decoupled, int maximize, int amsgrad) {
    MT_GRID_STRIDE(i, n) {
        adam_element(p, grad, m, v, vmax, i, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay,
                     decay_factor, step_size, bias2_sqrt, decoupled, maximize, amsgrad);
    }
}

MT_EXPORT_LAUNCHER(adam_step,
                   (float* p, const float* grad, float* m, float* v, float* vmax, long long n, float one_minus_beta1,
                    float beta2, float one_minus_beta2, float eps, float weight_decay, float decay_factor,
                    float step_size, float bias2_sqrt, int decoupled, int maximize, int amsgrad),
                   (p, grad, m, v, vmax, n, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay_factor,
                    step_size, bias2_sqrt, decoupled, maximize, amsgrad))
