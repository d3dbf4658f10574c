"""The emulated CUDA device (MINITORCH_EMULATE_CUDA=1): the CUDA backend's own code run without a GPU.

- `cupy_standin`: a CuPy stand-in backed by NumPy, strict where CuPy is (its signatures,
  read off CuPy, are in `cupy_signatures`);
- `kernels`: the kernels of `minitorch/kernels/*.cu` built for the CPU and launched with ctypes;
- `nccl_standin`: NCCL's calls carried out over MPI, for the distributed NCCL engine.
"""
