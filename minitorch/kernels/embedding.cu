// The weight gradient of an embedding lookup: one thread per element of the output gradient,
// atomically added into the weight row its index names (indices may repeat). padding_idx receives
// nothing; with scale_grad_by_freq each row is divided by its index's count in the batch.
// Reference: the NumPy backend's embedding_backward.
#include "cuda_compat.h"

extern "C" __global__ void embedding_backward(const float* __restrict__ gy, const long long* __restrict__ idx,
                                              const long long* __restrict__ counts, float* __restrict__ gw,
                                              long long lookups, int dim, long long padding_idx, int scale_by_freq) {
    const long long total = lookups * dim;
    MT_GRID_STRIDE(i, total) {
        const long long row = idx[i / dim];
        if (row == padding_idx) continue;
        const float g = scale_by_freq ? gy[i] / (float)counts[row] : gy[i];
        atomicAdd(gw + row * dim + i % dim, g);
    }
}

MT_EXPORT_LAUNCHER(embedding_backward,
                   (const float* gy, const long long* idx, const long long* counts, float* gw, long long lookups,
                    int dim, long long padding_idx, int scale_by_freq),
                   (gy, idx, counts, gw, lookups, dim, padding_idx, scale_by_freq))
