// Negative log-likelihood over class indices (the second half of cross-entropy, after log_softmax):
// forward, one thread per row, picks the row's target log-probability and its class weight; backward,
// one thread per element of the (rows, C) gradient, writes -g_r w_r at the row's target class and 0
// elsewhere. A target equal to ignore_index weighs 0.
// Reference: the NumPy backend's nll_loss / nll_loss_backward.
#include "cuda_compat.h"

extern "C" __global__ void nll_loss_forward(const float* __restrict__ logp, const long long* __restrict__ target,
                                            const float* __restrict__ weight, float* __restrict__ nll,
                                            float* __restrict__ w_out, long long rows, int cols,
                                            long long ignore_index, int has_weight) {
    MT_GRID_STRIDE(r, rows) {
        const long long t = target[r];
        const int keep = t != ignore_index;
        const long long safe = keep ? t : 0;
        const float w = keep ? (has_weight ? weight[safe] : 1.0f) : 0.0f;
        w_out[r] = w;
        nll[r] = -logp[r * cols + safe] * w;
    }
}

extern "C" __global__ void nll_loss_backward(const float* __restrict__ g, const long long* __restrict__ target,
                                             const float* __restrict__ w, float* __restrict__ gx, long long rows,
                                             int cols, long long ignore_index) {
    const long long n = rows * cols;
    MT_GRID_STRIDE(i, n) {
        const long long r = i / cols;
        const long long t = target[r];
        gx[i] = (t != ignore_index && i % cols == t) ? 0.0f - g[r] * w[r] : 0.0f;
    }
}

MT_EXPORT_LAUNCHER(nll_loss_forward,
                   (const float* logp, const long long* target, const float* weight, float* nll, float* w_out,
                    long long rows, int cols, long long ignore_index, int has_weight),
                   (logp, target, weight, nll, w_out, rows, cols, ignore_index, has_weight))
MT_EXPORT_LAUNCHER(nll_loss_backward,
                   (const float* g, const long long* target, const float* w, float* gx, long long rows, int cols,
                    long long ignore_index),
                   (g, target, w, gx, rows, cols, ignore_index))
