// One fused Adam / AdamW step over float32 parameters and their state on the CPU, in one pass over memory
// (NumPy's version makes about twenty); each element as kernels/adam_element.h computes it, so the result
// is the NumPy backend's bit for bit (reference: ArrayBackend.adam_step).
#include "adam_element.h"

void adam_step_f32(float* p, const float* grad, float* m, float* v, float* vmax, long long n, float one_minus_beta1,
                   float beta2, float one_minus_beta2, float eps, float weight_decay, float decay_factor,
                   float step_size, float bias2_sqrt, int decoupled, int maximize, int amsgrad) {
    for (long long i = 0; i < n; ++i)
        adam_element(p, grad, m, v, vmax, i, one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay,
                     decay_factor, step_size, bias2_sqrt, decoupled, maximize, amsgrad);
}
