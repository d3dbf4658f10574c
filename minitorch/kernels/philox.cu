// Uniform random floats in [0, 1) from the counter-based generator Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", 2011), the generator torch's CUDA random ops use.
//
// Block i of four numbers is Philox(key = seed, counter = offset + i): ten rounds of two 32-bit multiplies
// mixing the counter, the key bumped by the Weyl constants between rounds. The seed and the offset are read
// from device memory (state[0], state[1]), not passed as parameters, so a launch captured in a CUDA graph
// draws new numbers on every replay once the offset is advanced on the device (the backend does that after
// each launch). Each 32-bit output keeps its top 24 bits, a float in [0, 1) with every value a multiple
// of 2^-24, as torch turns random bits into floats.
// Reference: philox_uniform_reference in tests/test_kernels.py.
#include "cuda_compat.h"

struct mt_philox4 {
    unsigned int v[4];
};

__device__ __forceinline__ unsigned int mt_mulhi(unsigned int a, unsigned int b) {
    return (unsigned int)(((unsigned long long)a * b) >> 32);
}

__device__ __forceinline__ mt_philox4 mt_philox(unsigned long long seed, unsigned long long counter) {
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0u, c3 = 0u;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        const unsigned int hi0 = mt_mulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        const unsigned int hi1 = mt_mulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        const unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    mt_philox4 out;
    out.v[0] = c0;
    out.v[1] = c1;
    out.v[2] = c2;
    out.v[3] = c3;
    return out;
}

extern "C" __global__ void philox_uniform(float* __restrict__ out, long long n, const long long* __restrict__ state) {
    const unsigned long long seed = (unsigned long long)state[0], offset = (unsigned long long)state[1];
    MT_GRID_STRIDE(block, (n + 3) / 4) {
        const mt_philox4 r = mt_philox(seed, offset + (unsigned long long)block);
        for (int j = 0; j < 4; ++j) {
            const long long i = block * 4 + j;
            if (i < n) out[i] = (float)(r.v[j] >> 8) * (1.0f / 16777216.0f);
        }
    }
}

MT_EXPORT_LAUNCHER(philox_uniform, (float* out, long long n, const long long* state), (out, n, state))
