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
    // g is rounded before it meets mean_g: were gy * weight fused into g - mean_g, a row whose g are
    // all equal would keep the product's rounding error, times rstd, instead of 0
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float g = has_weight ? __fmul_rn(gy[offset + c], weight[c]) : gy[offset + c];
        sg += g;
        sgx += g * (x[offset + c] - mu) * r;
    }
    const float mean_g = block_reduce(sg, scratch, 0) / cols;
    const float mean_gx = block_reduce(sgx, scratch, 0) / cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        const float g = has_weight ? __fmul_rn(gy[offset + c], weight[c]) : gy[offset + c];
        gx[offset + c] = (g - mean_g - (x[offset + c] - mu) * r * mean_gx) * r;
    }
}

// Partial sums of the weight and bias gradients over chunks of rows. Block b takes the LN_TILE
// columns of tile b % tiles and the rows of chunk b / tiles; its LN_LANES lanes of LN_TILE threads
// (a warp each: consecutive columns of one row, so loads coalesce) take every LN_LANES-th row, then
// add up in shared memory. partial[chunk][c] = sum of gy * xhat, partial[chunks + chunk][c] = sum of
// gy; the caller sums the chunks. Launch with LN_TILE * LN_LANES threads per block.
#define LN_TILE 32
#define LN_LANES 8
extern "C" __global__ void layer_norm_backward_params(const float* __restrict__ gy, const float* __restrict__ x,
                                                      const float* __restrict__ mean, const float* __restrict__ rstd,
                                                      float* __restrict__ partial, long long rows, int cols,
                                                      int rows_per_chunk) {
    __shared__ float sum_w[LN_LANES][LN_TILE];
    __shared__ float sum_b[LN_LANES][LN_TILE];
    const int tiles = (cols + LN_TILE - 1) / LN_TILE, chunks = gridDim.x / tiles;
    const int tile = blockIdx.x % tiles, chunk = blockIdx.x / tiles;
    const int t = threadIdx.x % LN_TILE, lane = threadIdx.x / LN_TILE, c = tile * LN_TILE + t;
    const long long first = (long long)chunk * rows_per_chunk;
    const long long last = first + rows_per_chunk < rows ? first + rows_per_chunk : rows;
    float sw = 0.0f, sb = 0.0f;
    if (c < cols) {
        for (long long r = first + lane; r < last; r += LN_LANES) {
            const float g = gy[r * cols + c];
            sw += g * (x[r * cols + c] - mean[r]) * rstd[r];
            sb += g;
        }
    }
    sum_w[lane][t] = sw;
    sum_b[lane][t] = sb;
    __syncthreads();
    if (lane == 0 && c < cols) {
        for (int l = 1; l < LN_LANES; ++l) {
            sw += sum_w[l][t];
            sb += sum_b[l][t];
        }
        partial[(long long)chunk * cols + c] = sw;
        partial[(long long)(chunks + chunk) * cols + c] = sb;
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
                   (const float* gy, const float* x, const float* mean, const float* rstd, float* partial,
                    long long rows, int cols, int rows_per_chunk),
                   (gy, x, mean, rstd, partial, rows, cols, rows_per_chunk))
