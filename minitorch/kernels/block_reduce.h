// A block-wide sum or maximum through shared memory (a tree over the block's threads), shared by
// the row-wise kernels. blockDim.x must be a power of two no larger than MT_MAX_THREADS.
#pragma once
#include "cuda_compat.h"

#define MT_MAX_THREADS 1024

// Reduce `value` over the block (op 0: sum, 1: max); every thread gets the result.
__device__ __forceinline__ float block_reduce(float value, float* scratch, int op) {
    const unsigned int t = threadIdx.x;
    scratch[t] = value;
    __syncthreads();
    for (unsigned int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) {
            const float other = scratch[t + stride];
            scratch[t] = op == 0 ? scratch[t] + other : fmaxf(scratch[t], other);
        }
        __syncthreads();
    }
    const float result = scratch[0];
    __syncthreads();
    return result;
}
