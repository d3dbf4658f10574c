// Sums of float32 on the CPU with float64 partial sums: each of 16 lanes adds every 16th element, in
// a fixed order (so the loop vectorises without reassociation), and the lanes are added at the end.
// The float64 partials make it more accurate than a float32 cascade sum (reference: np.sum in float64).
#define LANES 16

static double sum_one(const float* restrict x, long long n) {
    double lane[LANES] = {0};
    long long i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int j = 0; j < LANES; ++j) lane[j] += (double)x[i + j];
    double total = 0.0;
    for (; i < n; ++i) total += (double)x[i];
    for (int j = 0; j < LANES; ++j) total += lane[j];
    return total;
}

// The sum of x[0:n], as a double (the caller adds the parts of a split and rounds once).
double sum_f32(const float* restrict x, long long n) { return sum_one(x, n); }

// out[r] = sum of row r of a contiguous rows x cols matrix, rounded to float32 once.
void sum_rows_f32(const float* restrict x, float* restrict out, long long rows, long long cols) {
    for (long long r = 0; r < rows; ++r) out[r] = (float)sum_one(x + r * cols, cols);
}
