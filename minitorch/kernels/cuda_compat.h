// CPU emulation of the small part of CUDA that minitorch's kernels use, so the same .cu sources
// build with the system C++ compiler and run where there is no GPU.
//
// A launch runs the grid's blocks one after another; the threads of one block run concurrently
// as real threads, so __syncthreads() is a true barrier, `__shared__` variables (function-local
// statics here) are shared by the block's threads, and atomics are real atomics.
// Built only outside nvcc and NVRTC: they define __CUDACC__ or __CUDACC_RTC__ and never see this
// file's body.
#pragma once
#if !defined(__CUDACC__) && !defined(__CUDACC_RTC__)

#include <atomic>
#include <barrier>
#include <cmath>
#include <functional>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __restrict__ __restrict

struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace mt_emu {
inline thread_local dim3 thread_idx;
inline thread_local dim3 block_idx;
inline dim3 block_dim;
inline dim3 grid_dim;
inline std::barrier<>* block_barrier = nullptr;

// Run `body` for every thread of every block. The block's threads are started once and walk the
// grid's blocks together, in order; a barrier ends each block, so no thread starts the next block
// (and reuses its __shared__ memory) while another is still in the previous one.
inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
    grid_dim = grid;
    block_dim = block;
    const unsigned int threads = block.x * block.y * block.z;
    const unsigned long long blocks = (unsigned long long)grid.x * grid.y * grid.z;
    std::barrier<> sync(threads);
    block_barrier = &sync;
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (unsigned int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            thread_idx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
            for (unsigned long long b = 0; b < blocks; ++b) {
                block_idx = dim3(b % grid.x, (b / grid.x) % grid.y, b / ((unsigned long long)grid.x * grid.y));
                body();
                sync.arrive_and_wait();
            }
        });
    for (auto& th : pool) th.join();
}
}  // namespace mt_emu

#define threadIdx (mt_emu::thread_idx)
#define blockIdx (mt_emu::block_idx)
#define blockDim (mt_emu::block_dim)
#define gridDim (mt_emu::grid_dim)

// CUDA's integer min/max device functions
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }

inline void __syncthreads() { mt_emu::block_barrier->arrive_and_wait(); }

// a product rounded on its own, never fused into a following add (no FMA on the CPU build anyway)
inline float __fmul_rn(float a, float b) { return a * b; }

inline float atomicAdd(float* address, float value) {
    return std::atomic_ref<float>(*address).fetch_add(value);
}
inline double atomicAdd(double* address, double value) {
    return std::atomic_ref<double>(*address).fetch_add(value);
}

// The launcher a .cu file exports for the CPU build: launch_<kernel>(grid.x, block.x, args...).
#define MT_EXPORT_LAUNCHER(kernel, params, args)                                  \
    extern "C" void launch_##kernel(unsigned int grid, unsigned int block, MT_UNPAREN params) { \
        mt_emu::launch(dim3(grid), dim3(block), [=] { kernel args; });             \
    }
#define MT_UNPAREN(...) __VA_ARGS__

#else
#define MT_EXPORT_LAUNCHER(kernel, params, args)
#ifndef INFINITY  // NVRTC (CuPy's RawModule) has no <math.h> macros
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif
#endif

// A grid-stride loop: thread t of the grid handles elements t, t + (all threads), ... below n.
#define MT_GRID_STRIDE(i, n)                                                     \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)
