// Cross-entropy over class indices, fused: log-softmax of each row, the target's negative
// log-probability times its class weight, and the label-smoothing term, forward (one block per row)
// and backward (one thread per logit). Targets equal to ignore_index weigh 0.
// Reference: the NumPy backend's cross_entropy / cross_entropy_backward.
#include "block_reduce.h"

extern "C" __global__ void cross_entropy_forward(const float* __restrict__ x, const long long* __restrict__ target,
                                                 const float* __restrict__ weight, float* __restrict__ logp,
                                                 float* __restrict__ nll, float* __restrict__ smooth,
                                                 float* __restrict__ w_out, int cols, long long ignore_index,
                                                 int has_weight) {
    __shared__ float scratch[MT_MAX_THREADS];
    const long long offset = (long long)blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[offset + c]);
    m = block_reduce(m, scratch, 1);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(x[offset + c] - m);
    const float log_s = logf(block_reduce(s, scratch, 0));
    float total = 0.0f;  // sum over classes of (weighted) log-probabilities, for label smoothing
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float lp = x[offset + c] - m - log_s;
        logp[offset + c] = lp;
        total += has_weight ? lp * weight[c] : lp;
    }
    total = block_reduce(total, scratch, 0);
    if (threadIdx.x == 0) {
        const long long t = target[blockIdx.x];
        const int keep = t != ignore_index;
        const long long safe = keep ? t : 0;
        const float w = keep ? (has_weight ? weight[safe] : 1.0f) : 0.0f;
        w_out[blockIdx.x] = w;
        nll[blockIdx.x] = -(x[offset + safe] - m - log_s) * w;
        smooth[blockIdx.x] = keep ? -total : 0.0f;
    }
}

// d/dx of sum_r g_r [(1-s) nll_r + s/C smooth_r] (total_weight: one float, the class weights' sum or C):
//   p (1-s) w_r g_r - [c == t_r] (1-s) w_r g_r + k_r (p * total_weight - weight_c), k_r = s/C keep_r g_r.
extern "C" __global__ void cross_entropy_backward(const float* __restrict__ g, const float* __restrict__ logp,
                                                  const long long* __restrict__ target,
                                                  const float* __restrict__ weight, const float* __restrict__ w,
                                                  float* __restrict__ gx, long long rows, int cols,
                                                  long long ignore_index, int has_weight, float smoothing,
                                                  const float* __restrict__ total_weight) {
    const long long n = rows * cols;
    MT_GRID_STRIDE(i, n) {
        const long long r = i / cols;
        const int c = (int)(i % cols);
        const long long t = target[r];
        const int keep = t != ignore_index;
        const float p = expf(logp[i]);
        const float picked = (1.0f - smoothing) * w[r] * g[r];
        float v = p * picked;
        if (keep && c == t) v -= picked;
        if (smoothing != 0.0f) {
            const float k = keep ? (smoothing / cols) * g[r] : 0.0f;
            v += p * (k * total_weight[0]);
            v -= k * (has_weight ? weight[c] : 1.0f);
        }
        gx[i] = v;
    }
}

MT_EXPORT_LAUNCHER(cross_entropy_forward,
                   (const float* x, const long long* target, const float* weight, float* logp, float* nll,
                    float* smooth, float* w_out, int cols, long long ignore_index, int has_weight),
                   (x, target, weight, logp, nll, smooth, w_out, cols, ignore_index, has_weight))
MT_EXPORT_LAUNCHER(cross_entropy_backward,
                   (const float* g, const float* logp, const long long* target, const float* weight, const float* w,
                    float* gx, long long rows, int cols, long long ignore_index, int has_weight, float smoothing,
                    const float* total_weight),
                   (g, logp, target, weight, w, gx, rows, cols, ignore_index, has_weight, smoothing, total_weight))
