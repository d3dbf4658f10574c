// Reductions of float32 on the CPU: sums with float64 partial sums, and the largest or smallest value
// of each row. Built with OpenMP where the compiler has it: `threads` threads share the work (one runs
// it alone), and without OpenMP the pragmas are ignored and the loops run on the calling thread.
//
// Sums: each of 16 lanes adds every 16th element, in a fixed order (so the loop vectorises without
// reassociation), and the lanes are added at the end. The float64 partials make it more accurate than a
// float32 cascade sum (reference: np.sum in float64). A whole-array sum adds fixed blocks of BLOCK
// elements and then the blocks' sums in order, so its result does not depend on the thread count.
#include <immintrin.h>
#include <math.h>

#define LANES 16
#define BLOCK (1LL << 16)

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

// The number of blocks `sum_f32` sums separately, the length of the buffer it takes.
long long sum_blocks(long long n) { return (n + BLOCK - 1) / BLOCK; }

// The sum of x[0:n] as a double (the caller rounds once); `partial` holds sum_blocks(n) doubles.
double sum_f32(const float* restrict x, long long n, double* restrict partial, int threads) {
    long long blocks = sum_blocks(n);
    #pragma omp parallel for num_threads(threads) schedule(static) if(threads > 1)
    for (long long b = 0; b < blocks; ++b) {
        long long start = b * BLOCK;
        partial[b] = sum_one(x + start, (n - start < BLOCK) ? n - start : BLOCK);
    }
    double total = 0.0;
    for (long long b = 0; b < blocks; ++b) total += partial[b];
    return total;
}

// out[r] = sum of row r of a contiguous rows x cols matrix, rounded to float32 once.
void sum_rows_f32(const float* restrict x, float* restrict out, long long rows, long long cols, int threads) {
    #pragma omp parallel for num_threads(threads) schedule(static) if(threads > 1)
    for (long long r = 0; r < rows; ++r) out[r] = (float)sum_one(x + r * cols, cols);
}

// The largest (`largest` != 0) or smallest value of x[0:n], NaN if any element is NaN (as torch's amax).
// Vectors keep running extremes (the max/min instructions skip a NaN, so a separate mask notes one); the
// sign of an extreme zero follows the instruction, as torch's own vectorised kernel's does.
#if defined(__AVX512F__)
#define VW 16
typedef __m512 vec;
#define vload(p) _mm512_loadu_ps(p)
#define vset(s) _mm512_set1_ps(s)
#define vmax(a, b) _mm512_max_ps(a, b)
#define vmin(a, b) _mm512_min_ps(a, b)
#define vnan(a) (_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) != 0)
#define vstore(p, a) _mm512_storeu_ps(p, a)
#elif defined(__AVX__)
#define VW 8
typedef __m256 vec;
#define vload(p) _mm256_loadu_ps(p)
#define vset(s) _mm256_set1_ps(s)
#define vmax(a, b) _mm256_max_ps(a, b)
#define vmin(a, b) _mm256_min_ps(a, b)
#define vnan(a) (_mm256_movemask_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q)) != 0)
#define vstore(p, a) _mm256_storeu_ps(p, a)
#else
#define VW 1
typedef float vec;
#define vload(p) (*(p))
#define vset(s) (s)
#define vmax(a, b) ((a) > (b) ? (a) : (b))
#define vmin(a, b) ((a) < (b) ? (a) : (b))
#define vnan(a) ((a) != (a))
#define vstore(p, a) (*(p) = (a))
#endif

static float extreme_one(const float* restrict x, long long n, int largest) {
    vec m0 = vset(largest ? -INFINITY : INFINITY), m1 = m0;
    int nan = 0;
    long long i = 0;
    for (; i + 2 * VW <= n; i += 2 * VW) {  // two vectors: two independent chains of max instructions
        vec a = vload(x + i), b = vload(x + i + VW);
        m0 = largest ? vmax(a, m0) : vmin(a, m0);
        m1 = largest ? vmax(b, m1) : vmin(b, m1);
        nan |= vnan(a) | vnan(b);
    }
    float lanes[2 * VW];
    vstore(lanes, m0);
    vstore(lanes + VW, m1);
    float best = lanes[0];
    for (int j = 1; j < 2 * VW; ++j)
        best = largest ? (lanes[j] > best ? lanes[j] : best) : (lanes[j] < best ? lanes[j] : best);
    for (; i < n; ++i) {
        float v = x[i];
        best = largest ? (v > best ? v : best) : (v < best ? v : best);
        nan |= v != v;
    }
    return nan ? NAN : best;
}

// out[r] = the largest (or smallest) value of row r of a contiguous rows x cols matrix, cols >= 1.
void extreme_rows_f32(const float* restrict x, float* restrict out, long long rows, long long cols, int largest,
                      int threads) {
    #pragma omp parallel for num_threads(threads) schedule(static) if(threads > 1)
    for (long long r = 0; r < rows; ++r) out[r] = extreme_one(x + r * cols, cols, largest);
}
