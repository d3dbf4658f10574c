// ReLU's backward over float32 on the CPU: the gradient passes where the output is positive and is +0
// elsewhere (not gy * 0, which is -0 for a negative gy, or NaN for an infinite one), as torch's
// threshold_backward gives. Reference: the NumPy backend's where(y > 0, gy, 0).
void relu_backward_f32(const float* restrict gy, const float* restrict y, float* restrict gx, long long n) {
    for (long long i = 0; i < n; ++i) gx[i] = y[i] > 0.0f ? gy[i] : 0.0f;
}
