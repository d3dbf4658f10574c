// Row-wise softmax and log-softmax, forward and backward: one block per row, the row's maximum
// and sums reduced in shared memory (a tree over the block's threads). Reference: the NumPy
// backend's softmax / log_softmax / softmax_backward / log_softmax_backward.
#include "block_reduce.h"

extern "C" __global__ void softmax_forward(const float* __restrict__ x, float* __restrict__ y, int cols, int log) {
    __shared__ float scratch[MT_MAX_THREADS];
    const float* row = x + (long long)blockIdx.x * cols;
    float* out = y + (long long)blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, row[c]);
    m = block_reduce(m, scratch, 1);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(row[c] - m);
    s = block_reduce(s, scratch, 0);
    const float log_s = logf(s);
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        out[c] = log ? row[c] - m - log_s : expf(row[c] - m) / s;
}

extern "C" __global__ void softmax_backward(const float* __restrict__ gy, const float* __restrict__ y,
                                            float* __restrict__ gx, int cols, int log) {
    __shared__ float scratch[MT_MAX_THREADS];
    const long long offset = (long long)blockIdx.x * cols;
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += log ? gy[offset + c] : gy[offset + c] * y[offset + c];
    s = block_reduce(s, scratch, 0);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const long long i = offset + c;
        gx[i] = log ? gy[i] - expf(y[i]) * s : y[i] * (gy[i] - s);
    }
}

MT_EXPORT_LAUNCHER(softmax_forward, (const float* x, float* y, int cols, int log), (x, y, cols, log))
MT_EXPORT_LAUNCHER(softmax_backward, (const float* gy, const float* y, float* gx, int cols, int log),
                   (gy, y, gx, cols, log))
