// CPU emulation of the small part of CUDA that minitorch's kernels use, so the same .cu sources
// build with the system C++ compiler and run where there is no GPU.
//
// A launch runs the grid's blocks one after another; the threads of one block run concurrently
// as real threads, so __syncthreads() is a true barrier, `__shared__` variables (function-local
// statics here) are shared by the block's threads, and atomics are real atomics.
// Built only when __CUDACC__ is not defined; nvcc never sees this file's body.
#pragma once
#ifndef __CUDACC__

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

// Run `body` for every thread of every block: blocks in order, the threads of a block at once.
inline void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
    grid_dim = grid;
    block_dim = block;
    const unsigned int threads = block.x * block.y * block.z;
    for (unsigned int bz = 0; bz < grid.z; ++bz)
        for (unsigned int by = 0; by < grid.y; ++by)
            for (unsigned int bx = 0; bx < grid.x; ++bx) {
                std::barrier<> sync(threads);
                block_barrier = &sync;
                std::vector<std::thread> pool;
                pool.reserve(threads);
                for (unsigned int t = 0; t < threads; ++t)
                    pool.emplace_back([&, t] {
                        block_idx = dim3(bx, by, bz);
                        thread_idx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
                        body();
                    });
                for (auto& th : pool) th.join();
            }
}
}  // namespace mt_emu

#define threadIdx (mt_emu::thread_idx)
#define blockIdx (mt_emu::block_idx)
#define blockDim (mt_emu::block_dim)
#define gridDim (mt_emu::grid_dim)

inline void __syncthreads() { mt_emu::block_barrier->arrive_and_wait(); }

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
#endif
