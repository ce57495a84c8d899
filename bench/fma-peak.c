/* fma-peak: the fp32 multiply-add throughput of one core, AVX-512 and
   AVX2 (FMA3), the peak the benchmark measures the engine's layers
   against.  One thread runs 16 (AVX2: 12) independent chains of vector FMAs
   (enough to cover an FMA latency of 4 cycles on two FMA units); the best of 5
   runs by the thread's CPU time, so that other programs on a shared
   machine take time from it but do not lower the rate.

     cc -O2 -o fma-peak bench/fma-peak.c && ./fma-peak

   Prints "avx512 GFLOPS" and "avx2 GFLOPS" lines (a multiply-add is two
   floating-point operations); a processor without the instructions gets
   "avx512 -".  */

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#define CHAINS 16 /* AVX-512: 32 registers */
#define CHAINS_AVX2 12 /* AVX2: 16 registers, 2 taken by the constants */
#define ITERATIONS 20000000L

static double
cpu_seconds (void)
{
  struct timespec t;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Each returns the sum of its chains so that none is optimized away.  The
   chains converge (x = x * 0.9999999 + 1e-7 stays near 1): no overflow and
   no denormals to slow them down.  */

__attribute__ ((target ("avx512f"))) static float
run_avx512 (long iterations)
{
  __m512 acc[CHAINS];
  const __m512 m = _mm512_set1_ps (0.9999999f), a = _mm512_set1_ps (1e-7f);
#pragma GCC unroll 16
  for (int j = 0; j < CHAINS; j++)
    acc[j] = _mm512_set1_ps (1.0f + j);
  for (long i = 0; i < iterations; i++)
#pragma GCC unroll 16
    for (int j = 0; j < CHAINS; j++)
      acc[j] = _mm512_fmadd_ps (acc[j], m, a);
  __m512 sum = acc[0];
#pragma GCC unroll 16
  for (int j = 1; j < CHAINS; j++)
    sum = _mm512_add_ps (sum, acc[j]);
  return _mm512_reduce_add_ps (sum);
}

__attribute__ ((target ("avx2,fma"))) static float
run_avx2 (long iterations)
{
  __m256 acc[CHAINS_AVX2];
  const __m256 m = _mm256_set1_ps (0.9999999f), a = _mm256_set1_ps (1e-7f);
#pragma GCC unroll 12
  for (int j = 0; j < CHAINS_AVX2; j++)
    acc[j] = _mm256_set1_ps (1.0f + j);
  for (long i = 0; i < iterations; i++)
#pragma GCC unroll 12
    for (int j = 0; j < CHAINS_AVX2; j++)
      acc[j] = _mm256_fmadd_ps (acc[j], m, a);
  __m256 sum = acc[0];
#pragma GCC unroll 12
  for (int j = 1; j < CHAINS_AVX2; j++)
    sum = _mm256_add_ps (sum, acc[j]);
  float lanes[8];
  _mm256_storeu_ps (lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

/* GFLOP/s of the best of 5 runs of RUN, LANES floats per vector.  */
static double
measure (float (*run) (long), int lanes, int chains, float *sink)
{
  double best = 0;
  for (int k = 0; k < 5; k++)
    {
      const double start = cpu_seconds ();
      *sink += run (ITERATIONS);
      const double seconds = cpu_seconds () - start;
      const double gflops = 2.0 * lanes * chains * ITERATIONS / seconds * 1e-9;
      if (gflops > best)
        best = gflops;
    }
  return best;
}

int
main (void)
{
  float sink = 0;
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f"))
    printf ("avx512 %.1f\n", measure (run_avx512, 16, CHAINS, &sink));
  else
    printf ("avx512 -\n");
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    printf ("avx2 %.1f\n", measure (run_avx2, 8, CHAINS_AVX2, &sink));
  else
    printf ("avx2 -\n");
  /* The sums depend on every FMA; printing them to stderr keeps them.  */
  fprintf (stderr, "fma-peak: checksum %g\n", sink);
  return 0;
}
