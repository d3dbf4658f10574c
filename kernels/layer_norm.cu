// Layer normalisation over the last `cols` elements of each row, forward and backward.
// Forward and input gradient: one block per row, mean and variance reduced in shared memory (two
// passes: the mean first, then the squared deviations, as the reference computes them). Weight and
// bias gradients: one thread per column, summing over the rows in order (no atomics, deterministic).
// Reference: the NumPy backend's layer_norm / layer_norm_backward.
#include "block_reduce.h"

extern "C" __global__ void layer_norm_forward(const float* __restrict__ x, const float* __restrict__ weight,
                                              const float* __restrict__ bias, float* __restrict__ y,
                                              float* __restrict__ mean_out, float* __restrict__ rstd_out, int cols,
                                              float eps, int has_weight, int has_bias) {
    __shared__ float scratch[MT_MAX_THREADS];
    const long long offset = (long long)blockIdx.x * cols;
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += x[offset + c];
    const float mean = block_reduce(s, scratch, 0) / cols;
    float q = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float d = x[offset + c] - mean;
        q += d * d;
    }
    const float rstd = 1.0f / sqrtf(block_reduce(q, scratch, 0) / cols + eps);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = (x[offset + c] - mean) * rstd;
        if (has_weight) v *= weight[c];
        if (has_bias) v += bias[c];
        y[offset + c] = v;
    }
    if (threadIdx.x == 0) {
        mean_out[blockIdx.x] = mean;
        rstd_out[blockIdx.x] = rstd;
    }
}

// gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * weight, per row.
extern "C" __global__ void layer_norm_backward_input(const float* __restrict__ gy, const float* __restrict__ x,
                                                     const float* __restrict__ weight, const float* __restrict__ mean,
                                                     const float* __restrict__ rstd, float* __restrict__ gx, int cols,
                                                     int has_weight) {
    __shared__ float scratch[MT_MAX_THREADS];
    const long long offset = (long long)blockIdx.x * cols;
    const float mu = mean[blockIdx.x], r = rstd[blockIdx.x];
    float sg = 0.0f, sgx = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float g = has_weight ? gy[offset + c] * weight[c] : gy[offset + c];
        sg += g;
        sgx += g * (x[offset + c] - mu) * r;
    }
    const float mean_g = block_reduce(sg, scratch, 0) / cols;
    const float mean_gx = block_reduce(sgx, scratch, 0) / cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float g = has_weight ? gy[offset + c] * weight[c] : gy[offset + c];
        gx[offset + c] = (g - mean_g - (x[offset + c] - mu) * r * mean_gx) * r;
    }
}

// gw[c] = sum over rows of gy * xhat, gb[c] = sum over rows of gy (grid-stride over columns).
extern "C" __global__ void layer_norm_backward_params(const float* __restrict__ gy, const float* __restrict__ x,
                                                      const float* __restrict__ mean, const float* __restrict__ rstd,
                                                      float* __restrict__ gw, float* __restrict__ gb, long long rows,
                                                      int cols) {
    for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += gridDim.x * blockDim.x) {
        float sw = 0.0f, sb = 0.0f;
        for (long long r = 0; r < rows; ++r) {
            const float g = gy[r * cols + c];
            sw += g * (x[r * cols + c] - mean[r]) * rstd[r];
            sb += g;
        }
        gw[c] = sw;
        gb[c] = sb;
    }
}

MT_EXPORT_LAUNCHER(layer_norm_forward,
                   (const float* x, const float* weight, const float* bias, float* y, float* mean_out, float* rstd_out,
                    int cols, float eps, int has_weight, int has_bias),
                   (x, weight, bias, y, mean_out, rstd_out, cols, eps, has_weight, has_bias))
MT_EXPORT_LAUNCHER(layer_norm_backward_input,
                   (const float* gy, const float* x, const float* weight, const float* mean, const float* rstd,
                    float* gx, int cols, int has_weight),
                   (gy, x, weight, mean, rstd, gx, cols, has_weight))
MT_EXPORT_LAUNCHER(layer_norm_backward_params,
                   (const float* gy, const float* x, const float* mean, const float* rstd, float* gw, float* gb,
                    long long rows, int cols),
                   (gy, x, mean, rstd, gw, gb, rows, cols))
