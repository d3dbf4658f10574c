// ReLU over float32 on the CPU. Forward: 0 where x < 0, else x, as torch's clamp_min computes it (so NaN
// and -0.0 pass through unchanged; NumPy's maximum(x, 0) gives +0.0 for -0.0). Backward: the gradient
// passes where the output is positive and is +0 elsewhere (not gy * 0, which is -0 for a negative gy, or
// NaN for an infinite one), as torch's threshold_backward gives. Reference: where(y > 0, gy, 0).
void relu_f32(const float* restrict x, float* restrict y, long long n) {
    for (long long i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward_f32(const float* restrict gy, const float* restrict y, float* restrict gx, long long n) {
    for (long long i = 0; i < n; ++i) gx[i] = y[i] > 0.0f ? gy[i] : 0.0f;
}
