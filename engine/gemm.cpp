// gemm.cpp: see gemm.hpp.
//
// The classic register-blocked product: a kernel computes an 8 x NR block
// of C (8 rows of A, NR = two vectors of columns of B) in registers, over
// all of K.  multiply() walks the columns of B in panels of NR and runs
// every row panel of A over each, so the B panel (K x NR floats, 16 KB at
// K = 128 with AVX-512) stays in L1 and A (64 KB at 128 x 128) in L2.
#include "gemm.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NS_GEMM_X86 1
#include <immintrin.h>
#endif

namespace ns {

namespace {

constexpr int kRows = 8;

// The kernels: C[i][j] = bias[i] + sum_p A[p][i] B[p][j] for i < rows
// (<= kRows), j < cols (<= their NR); `a` is one panel (K x kRows), B's
// row p at b + at[p].
typedef void (*Kernel) (const float *a, int k, const float *b, const ptrdiff_t *at, float *c,
                        size_t ldc, int rows, int cols, const float *bias);

// Plain C++: what the compiler makes of it for the baseline instruction set.
constexpr int kGenericColumns = 16;

void
kernel_generic (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
                int cols, const float *bias)
{
  float acc[kRows][kGenericColumns];
  for (int i = 0; i < kRows; i++)
    std::fill_n (acc[i], kGenericColumns, bias && i < rows ? bias[i] : 0.0f);
  float row[kGenericColumns] = {};
  for (int p = 0; p < k; p++)
    {
      std::copy_n (b + at[p], cols, row);
      for (int i = 0; i < kRows; i++)
        for (int j = 0; j < kGenericColumns; j++)
          acc[i][j] += a[p * kRows + i] * row[j];
    }
  for (int i = 0; i < rows; i++)
    std::copy_n (acc[i], cols, c + i * ldc);
}

#ifdef NS_GEMM_X86

constexpr int kAvx512Columns = 32;

__attribute__ ((target ("avx512f"))) void
kernel_avx512 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
               int cols, const float *bias)
{
  // Columns past `cols` are neither read nor written (masked).
  const __mmask16 m0 = (__mmask16) (cols >= 16 ? 0xffff : (1u << cols) - 1);
  const __mmask16 m1 = (__mmask16) (cols >= 32 ? 0xffff : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
  __m512 acc[kRows][2];
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++)
    acc[i][0] = acc[i][1] = _mm512_set1_ps (bias && i < rows ? bias[i] : 0.0f);
  for (int p = 0; p < k; p++)
    {
      const __m512 b0 = _mm512_maskz_loadu_ps (m0, b + at[p]);
      const __m512 b1 = _mm512_maskz_loadu_ps (m1, b + at[p] + 16);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; i++)
        {
          const __m512 ai = _mm512_set1_ps (a[p * kRows + i]);
          acc[i][0] = _mm512_fmadd_ps (ai, b0, acc[i][0]);
          acc[i][1] = _mm512_fmadd_ps (ai, b1, acc[i][1]);
        }
    }
  // Every index constant, so that acc stays in registers.
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++)
    if (i < rows)
    {
      _mm512_mask_storeu_ps (c + i * ldc, m0, acc[i][0]);
      _mm512_mask_storeu_ps (c + i * ldc + 16, m1, acc[i][1]);
    }
}

constexpr int kAvx2Columns = 16;

__attribute__ ((target ("avx2,fma"))) void
kernel_avx2 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
             int cols, const float *bias)
{
  alignas (32) int lanes[16];
  for (int j = 0; j < 16; j++)
    lanes[j] = j < cols ? -1 : 0;
  const __m256i m0 = _mm256_load_si256 ((const __m256i *) lanes);
  const __m256i m1 = _mm256_load_si256 ((const __m256i *) (lanes + 8));
  __m256 acc[kRows][2];
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++)
    acc[i][0] = acc[i][1] = _mm256_set1_ps (bias && i < rows ? bias[i] : 0.0f);
  for (int p = 0; p < k; p++)
    {
      const __m256 b0 = _mm256_maskload_ps (b + at[p], m0);
      const __m256 b1 = _mm256_maskload_ps (b + at[p] + 8, m1);
#pragma GCC unroll 8
      for (int i = 0; i < kRows; i++)
        {
          const __m256 ai = _mm256_set1_ps (a[p * kRows + i]);
          acc[i][0] = _mm256_fmadd_ps (ai, b0, acc[i][0]);
          acc[i][1] = _mm256_fmadd_ps (ai, b1, acc[i][1]);
        }
    }
  // Every index constant, so that acc stays in registers.
#pragma GCC unroll 8
  for (int i = 0; i < kRows; i++)
    if (i < rows)
    {
      _mm256_maskstore_ps (c + i * ldc, m0, acc[i][0]);
      _mm256_maskstore_ps (c + i * ldc + 8, m1, acc[i][1]);
    }
}

#endif

struct Isa
{
  const char *name;
  Kernel kernel;
  int columns;
  bool (*supported) ();
};

bool
always ()
{
  return true;
}

const Isa kIsas[] = {
#ifdef NS_GEMM_X86
  { "avx512", kernel_avx512, kAvx512Columns, [] { return (bool) __builtin_cpu_supports ("avx512f"); } },
  { "avx2", kernel_avx2, kAvx2Columns,
    [] { return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"); } },
#endif
  { "generic", kernel_generic, kGenericColumns, always },
};

// The first the CPU has, unless gemm_select_isa () chose another.
std::atomic<const Isa *> chosen_isa { nullptr };

const Isa &
isa ()
{
  const Isa *i = chosen_isa.load ();
  if (!i)
    {
#ifdef NS_GEMM_X86
      __builtin_cpu_init ();
#endif
      i = &kIsas[0];
      while (!i->supported ())
        i++;
      chosen_isa.store (i);
    }
  return *i;
}

} // namespace

PackedWeights::PackedWeights (const float *a, int m, int k, size_t lda)
  : m_ (m), k_ (k), data_ ((size_t) (m + kRows - 1) / kRows * kRows * k, 0.0f)
{
  for (int i = 0; i < m; i++)
    for (int p = 0; p < k; p++)
      data_[((size_t) (i / kRows) * k + p) * kRows + i % kRows] = a[i * lda + p];
}

void
PackedWeights::multiply (const float *b, size_t ldb, int n, float *c, size_t ldc,
                         const float *bias) const
{
  const int nr = panel_columns ();
  // Each panel of B copied together first: B's rows are often a power of
  // two apart, and K of them would then share a few cache sets.
  thread_local std::vector<float> panel;
  thread_local std::vector<ptrdiff_t> at;
  panel.resize ((size_t) k_ * nr);
  at.resize (k_);
  for (int p = 0; p < k_; p++)
    at[p] = (ptrdiff_t) p * nr;
  for (int j = 0; j < n; j += nr)
    {
      const int cols = std::min (nr, n - j);
      for (int p = 0; p < k_; p++)
        std::copy_n (b + p * ldb + j, cols, &panel[(size_t) p * nr]);
      multiply_rows (panel.data (), at.data (), cols, c + j, ldc, bias);
    }
}

void
PackedWeights::multiply_rows (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                              const float *bias) const
{
  const Isa &chosen = isa ();
  for (int j = 0; j < n; j += chosen.columns)
    for (int i = 0; i < m_; i += kRows)
      chosen.kernel (&data_[(size_t) i * k_], k_, b + j, at, c + i * ldc + j, ldc,
                     std::min (kRows, m_ - i), std::min (chosen.columns, n - j),
                     bias ? bias + i : nullptr);
}

int
PackedWeights::panel_columns ()
{
  return isa ().columns;
}

const char *
gemm_isa ()
{
  return isa ().name;
}

bool
gemm_select_isa (const char *name)
{
  isa ();
  for (const Isa &i : kIsas)
    if (std::strcmp (i.name, name) == 0 && i.supported ())
      {
        chosen_isa.store (&i);
        return true;
      }
  return false;
}

} // namespace ns
