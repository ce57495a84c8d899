// gemm.cpp: see gemm.hpp.
//
// The classic register-blocked product: a kernel computes an 8 x NR block
// of C (8 rows of A, NR = two vectors of columns of B) in registers, over
// all of K.  multiply() walks the columns of B in panels of NR and runs
// every row panel of A over each, so the B panel (K x NR floats, 16 KB at
// K = 128 with AVX-512) stays in L1 and A (64 KB at 128 x 128) in L2.
// Matrices of 9 to 12 rows have one panel of 12 rows instead: with two of
// 8 the kernel computed 16 rows for 12 and read the B panel twice (the
// space-to-depth last convolution this was made for, 12 outputs and K =
// 3200, is tap-sum.cpp's now).  Those of 1 to 4 rows (Magenta's last
// convolution: 3 outputs) have one of 4: half the multiply-adds of 8.
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
constexpr int kWideRows = 12;
constexpr int kNarrowRows = 4;

// The kernels, for panels of R rows (kRows, kWideRows or kNarrowRows): C[i][j] =
// bias[i] + sum_p A[p][i] B[p][j] for i < rows (<= R), j < cols (<= their
// NR); `a` is one panel (K x R), B's row p at b + at[p].
typedef void (*Kernel) (const float *a, int k, const float *b, const ptrdiff_t *at, float *c,
                        size_t ldc, int rows, int cols, const float *bias);

// Plain C++: what the compiler makes of it for the baseline instruction set.
constexpr int kGenericColumns = 16;

template <int R>
void
kernel_generic (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
                int cols, const float *bias)
{
  float acc[R][kGenericColumns];
  for (int i = 0; i < R; i++)
    std::fill_n (acc[i], kGenericColumns, bias && i < rows ? bias[i] : 0.0f);
  float row[kGenericColumns] = {};
  for (int p = 0; p < k; p++)
    {
      std::copy_n (b + at[p], cols, row);
      for (int i = 0; i < R; i++)
        for (int j = 0; j < kGenericColumns; j++)
          acc[i][j] += a[p * R + i] * row[j];
    }
  for (int i = 0; i < rows; i++)
    std::copy_n (acc[i], cols, c + i * ldc);
}

#ifdef NS_GEMM_X86

// B's rows are often scattered (a convolution's shifted input rows), too
// many streams for the hardware prefetcher: the half-precision path (its
// kernel reading rows in halves, and the panels' conversion) asks for the
// row it reads kAhead steps later.  (GCC 12, Debian 12's, drops the
// conversion's __builtin_prefetch calls, made by prefetch_row, as dead
// code once that is inlined; GCC 14 keeps them.)  The float32 kernels
// ask for none: on AMD Zen 3 (bench/conv-gemm-bench, medians of four
// alternations, the prefetches made by asm statements) the first 9x9
// convolution took 77.6 ms with them against 47.0 without, Winograd's
// product 12.1 against 9.8, Magenta's 9x9 8->3 24.9 against 18.5, the
// split transposed convolutions 246 and 283 against 259 and 233 ms.
constexpr int kAhead = 16;

inline void
prefetch_row (const float *b, const ptrdiff_t *at, int p, int k)
{
  const float *ahead = b + at[std::min (p + kAhead, k - 1)];
  __builtin_prefetch (ahead);
  __builtin_prefetch (ahead + 16);
}

constexpr int kAvx512Columns = 32;

// 2 R accumulators: 24 of the 32 registers at R = 12.
template <int R>
__attribute__ ((target ("avx512f"))) void
kernel_avx512 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
               int cols, const float *bias)
{
  // Columns past `cols` are neither read nor written (masked).
  const __mmask16 m0 = (__mmask16) (cols >= 16 ? 0xffff : (1u << cols) - 1);
  const __mmask16 m1 = (__mmask16) (cols >= 32 ? 0xffff : cols <= 16 ? 0 : (1u << (cols - 16)) - 1);
  __m512 acc[R][2];
#pragma GCC unroll 12
  for (int i = 0; i < R; i++)
    acc[i][0] = acc[i][1] = _mm512_set1_ps (bias && i < rows ? bias[i] : 0.0f);
  for (int p = 0; p < k; p++)
    {
      const __m512 b0 = _mm512_maskz_loadu_ps (m0, b + at[p]);
      const __m512 b1 = _mm512_maskz_loadu_ps (m1, b + at[p] + 16);
#pragma GCC unroll 12
      for (int i = 0; i < R; i++)
        {
          const __m512 ai = _mm512_set1_ps (a[p * R + i]);
          acc[i][0] = _mm512_fmadd_ps (ai, b0, acc[i][0]);
          acc[i][1] = _mm512_fmadd_ps (ai, b1, acc[i][1]);
        }
    }
  // Every index constant, so that acc stays in registers.
#pragma GCC unroll 12
  for (int i = 0; i < R; i++)
    if (i < rows)
    {
      _mm512_mask_storeu_ps (c + i * ldc, m0, acc[i][0]);
      _mm512_mask_storeu_ps (c + i * ldc + 16, m1, acc[i][1]);
    }
}

constexpr int kAvx2Columns = 16;

// An R x 8 V block of C from rows [0, R) of a panel S rows wide (a[p S +
// i]): R V accumulators, V vectors of B and one of A.  AVX2 has 16
// registers: 6 x 16 and 4 x 16 blocks keep everything in them (an 8 x 16
// block needs 19 and spilled three accumulators to the stack, whose
// store-to-load round trip then set the pace: 45 % of the FMA peak).
// `Full`: all 8 V columns, plain loads; else masked ones (one more
// register per vector, so callers pass V = 1 there).
template <int R, int V, int S, bool Full>
__attribute__ ((target ("avx2,fma"))) inline void
block_avx2 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
            int cols, const float *bias)
{
  __m256i mask[V];
  if (!Full)
    {
      alignas (32) int lanes[8 * V];
      for (int j = 0; j < 8 * V; j++)
        lanes[j] = j < cols ? -1 : 0;
      for (int v = 0; v < V; v++)
        mask[v] = _mm256_load_si256 ((const __m256i *) (lanes + 8 * v));
    }
  __m256 acc[R][V];
#pragma GCC unroll 12
  for (int i = 0; i < R; i++)
    for (int v = 0; v < V; v++)
      acc[i][v] = _mm256_set1_ps (bias && i < rows ? bias[i] : 0.0f);
  // Four steps of p to a loop iteration (the loop's own instructions
  // beside twelve or eight multiply-adds): Winograd's 36 products of
  // 128 x 128 by 16 columns ran at 73 GFLOP/s against 61 one step at a
  // time (AMD Zen 3, GCC 12, medians of ten alternations).
#pragma GCC unroll 4
  for (int p = 0; p < k; p++)
    {
      __m256 bv[V];
      for (int v = 0; v < V; v++)
        bv[v] = Full ? _mm256_loadu_ps (b + at[p] + 8 * v) : _mm256_maskload_ps (b + at[p] + 8 * v, mask[v]);
#pragma GCC unroll 12
      for (int i = 0; i < R; i++)
        {
          const __m256 ai = _mm256_set1_ps (a[p * S + i]);
          for (int v = 0; v < V; v++)
            acc[i][v] = _mm256_fmadd_ps (ai, bv[v], acc[i][v]);
        }
    }
  // Every index constant, so that acc stays in registers.
#pragma GCC unroll 12
  for (int i = 0; i < R; i++)
    if (i < rows)
      for (int v = 0; v < V; v++)
        {
          if (Full)
            _mm256_storeu_ps (c + i * ldc + 8 * v, acc[i][v]);
          else
            _mm256_maskstore_ps (c + i * ldc + 8 * v, mask[v], acc[i][v]);
        }
}

// A panel of S rows (4, 8 or 12) as blocks of H rows (4, 4 or 6): 8 V
// columns from `b`.
template <int S, int V, bool Full>
__attribute__ ((target ("avx2,fma"))) inline void
panel_avx2 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
            int cols, const float *bias)
{
  constexpr int H = S == 12 ? 6 : 4;
  for (int i = 0; i < S && i < rows; i += H)
    block_avx2<H, V, S, Full> (a + i, k, b, at, c + i * ldc, ldc, rows - i, cols, bias ? bias + i : nullptr);
}

template <int R>
__attribute__ ((target ("avx2,fma"))) void
kernel_avx2 (const float *a, int k, const float *b, const ptrdiff_t *at, float *c, size_t ldc, int rows,
             int cols, const float *bias)
{
  if (cols == kAvx2Columns)
    panel_avx2<R, 2, true> (a, k, b, at, c, ldc, rows, cols, bias);
  else
    for (int j = 0; j < cols; j += 8)
      panel_avx2<R, 1, false> (a, k, b + j, at, c + j, ldc, rows, std::min (8, cols - j), bias);
}

// Half precision (AVX512-FP16): a panel of R rows (16, or 12) times 32
// columns, one vector of 32 halves per row.  B is a panel converted to
// half precision beforehand (K x 32, contiguous), A a panel of R halves
// per step.  Products are summed in half precision over kHalfChunk steps
// at most, then added to float32 sums: rounding errors stay those of
// short sums.  Returns false, writing nothing, when a half-precision sum
// overflowed (or B held an infinity or NaN): the caller computes the
// block again in float32.
constexpr int kHalfChunk = 32;

// GCC 12's intrinsics leave the unused halves of some vectors undefined
// on purpose, which -Wmaybe-uninitialized reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

constexpr int kHalfColumns = kHalfPanelColumns;

// The lanes of `cols` columns (0..32) in each of two float32 vectors.
struct HalfMasks
{
  __mmask16 lo, hi;
  explicit HalfMasks (int cols)
    : lo ((__mmask16) (cols >= 16 ? 0xffff : (1u << cols) - 1)),
      hi ((__mmask16) (cols >= 32 ? 0xffff : cols <= 16 ? 0 : (1u << (cols - 16)) - 1))
  {
  }
};

// B's row p at b + p kHalfColumns (a panel), or with `Rows` at b + at[p]
// (rows of halves a convolution converted once; columns past `cols` not
// read).
template <int R, bool Rows>
__attribute__ ((target ("avx512f,avx512bw,avx512dq,avx512vl,avx512fp16"))) bool
kernel_half (const _Float16 *a, int k, const _Float16 *b, const ptrdiff_t *at, float *c, size_t ldc,
             int rows, int cols, const float *bias)
{
  const __mmask32 columns = cols >= 32 ? ~0u : (1u << cols) - 1;
  __m512 sum[R][2];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
    sum[i][0] = sum[i][1] = _mm512_set1_ps (bias && i < rows ? bias[i] : 0.0f);
  for (int p0 = 0; p0 < k; p0 += kHalfChunk)
    {
      const int p1 = std::min (k, p0 + kHalfChunk);
      __m512h acc[R];
#pragma GCC unroll 16
      for (int i = 0; i < R; i++)
        acc[i] = _mm512_setzero_ph ();
      for (int p = p0; p < p1; p++)
        {
          __m512h bv;
          if (Rows)
            {
              __builtin_prefetch (b + at[std::min (p + kAhead, k - 1)]);
              bv = _mm512_castsi512_ph (_mm512_maskz_loadu_epi16 (columns, b + at[p]));
            }
          else
            bv = _mm512_loadu_ph (b + (size_t) p * kHalfColumns);
          // A's value broadcast by the multiply-add itself, from memory (a
          // broadcast of one half into a register first was slower).
#pragma GCC unroll 16
          for (int i = 0; i < R; i++)
            acc[i] = _mm512_fmadd_ph (_mm512_set1_ph (a[p * R + i]), bv, acc[i]);
        }
      // Each half of the 32 sums into float32.
#pragma GCC unroll 16
      for (int i = 0; i < R; i++)
        {
          const __m512i bits = _mm512_castph_si512 (acc[i]);
          const __m512i upper = _mm512_shuffle_i64x2 (bits, bits, 0xee);
          sum[i][0] = _mm512_add_ps (sum[i][0], _mm512_cvtxph_ps (_mm256_castsi256_ph (_mm512_castsi512_si256 (bits))));
          sum[i][1] = _mm512_add_ps (sum[i][1], _mm512_cvtxph_ps (_mm256_castsi256_ph (_mm512_castsi512_si256 (upper))));
        }
    }
  // A half sum that overflowed (or a NaN or infinity in B) left an
  // infinity or a NaN in the float32 sums: quiet 0x01, signalling 0x80,
  // +inf 0x08, -inf 0x10.
  __mmask16 bad = 0;
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
    bad |= _mm512_fpclass_ps_mask (sum[i][0], 0x99) | _mm512_fpclass_ps_mask (sum[i][1], 0x99);
  if (bad)
    return false;
  const HalfMasks masks (cols);
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
    if (i < rows)
      {
        _mm512_mask_storeu_ps (c + i * ldc, masks.lo, sum[i][0]);
        _mm512_mask_storeu_ps (c + i * ldc + 16, masks.hi, sum[i][1]);
      }
  return true;
}

// B's rows (b + at[p], `cols` <= 32 floats each) as a K x 32 panel of
// halves, zeros past `cols`.
__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512fp16"))) void
to_half_panel (const float *b, const ptrdiff_t *at, int k, int cols, _Float16 *panel)
{
  const HalfMasks masks (cols);
  for (int p = 0; p < k; p++)
    {
      prefetch_row (b, at, p, k);
      const __m256h lo = _mm512_cvtxps_ph (_mm512_maskz_loadu_ps (masks.lo, b + at[p]));
      const __m256h hi = _mm512_cvtxps_ph (_mm512_maskz_loadu_ps (masks.hi, b + at[p] + 16));
      const __m512i both = _mm512_shuffle_i64x2 (_mm512_zextsi256_si512 (_mm256_castph_si256 (lo)),
                                                 _mm512_zextsi256_si512 (_mm256_castph_si256 (hi)), 0x44);
      _mm512_storeu_si512 (panel + (size_t) p * kHalfColumns, both);
    }
}

__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512fp16"))) void
to_half_avx512 (const float *from, size_t n, _Float16 *to)
{
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256 ((__m256i *) (to + i), _mm256_castph_si256 (_mm512_cvtxps_ph (_mm512_loadu_ps (from + i))));
  for (; i < n; i++)
    to[i] = (_Float16) from[i];
}

__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512fp16"))) void
from_half_avx512 (const _Float16 *from, size_t n, float *to)
{
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps (to + i, _mm512_cvtxph_ps (_mm256_castsi256_ph (_mm256_loadu_si256 ((const __m256i *) (from + i)))));
  for (; i < n; i++)
    to[i] = (float) from[i];
}

__attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512fp16"))) void
to_half_rows_avx512 (const float *src, size_t src_stride, int rows, _Float16 *dst, size_t dst_stride)
{
  for (int r = 0; r < rows; r++)
    {
      const __m256h lo = _mm512_cvtxps_ph (_mm512_loadu_ps (src + r * src_stride));
      const __m256h hi = _mm512_cvtxps_ph (_mm512_loadu_ps (src + r * src_stride + 16));
      const __m512i both = _mm512_shuffle_i64x2 (_mm512_zextsi256_si512 (_mm256_castph_si256 (lo)),
                                                 _mm512_zextsi256_si512 (_mm256_castph_si256 (hi)), 0x44);
      _mm512_storeu_si512 (dst + r * dst_stride, both);
    }
}
#pragma GCC diagnostic pop

#endif

struct Isa
{
  const char *name;
  Kernel kernel;        // panels of kRows
  Kernel wide_kernel;   // panels of kWideRows
  Kernel narrow_kernel; // panels of kNarrowRows
  int columns;
  bool (*supported) ();
  // Panels of kWideRows where they pad M by less than this many percent
  // more than panels of kRows do (see panel_rows).
  int wide_slack;
};

bool
always ()
{
  return true;
}

const Isa kIsas[] = {
#ifdef NS_GEMM_X86
  { "avx512", kernel_avx512<kRows>, kernel_avx512<kWideRows>, kernel_avx512<kNarrowRows>,
    kAvx512Columns, [] { return (bool) __builtin_cpu_supports ("avx512f"); }, 0 },
  { "avx2", kernel_avx2<kRows>, kernel_avx2<kWideRows>, kernel_avx2<kNarrowRows>, kAvx2Columns,
    [] { return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"); }, 5 },
#endif
  { "generic", kernel_generic<kRows>, kernel_generic<kWideRows>, kernel_generic<kNarrowRows>,
    kGenericColumns, always, 0 },
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

// The rows of A a panel holds for an M-row matrix: kNarrowRows for at
// most that many, kWideRows where that computes fewer rows than panels of
// kRows, or (AVX2) not many more: AVX2's 12-row panels run as 6 x 16
// blocks, 12 accumulators in flight against 8 in the 4 x 16 blocks of
// 8-row ones, and they reach 62-65 GFLOP/s against 54-61 on the
// 128- and 256-row products of wave's Winograd and transposed
// convolutions (3 % padding there) on AMD Zen 3; on 32 rows (12.5 %) the
// 8-row panels are faster.  Any ISA runs any panel: this only picks.
int
panel_rows (int m)
{
  if (m <= kNarrowRows)
    return kNarrowRows;
  const auto padded = [m] (int r) { return (m + r - 1) / r * r; };
  return padded (kWideRows) * 100 < padded (kRows) * (100 + isa ().wide_slack) ? kWideRows : kRows;
}

// Rows of A in panels of r, each K x r (column by column), the last
// padded with zero rows.
template <typename T>
std::vector<T>
pack (const float *a, int m, int k, size_t lda, int r)
{
  std::vector<T> data ((size_t) (m + r - 1) / r * r * k, T (0));
  for (int i = 0; i < m; i++)
    for (int p = 0; p < k; p++)
      data[((size_t) (i / r) * k + p) * r + i % r] = (T) a[i * lda + p];
  return data;
}

// Products from this many rows may run in half precision converting B
// panel by panel: with fewer, the conversion costs more than the products
// save.  Fewer rows run in half precision only on B in halves already
// (multiply_rows with `half`).
constexpr int kHalfMinRows = 9;

// The rows of A a half-precision panel holds: 4, 8, 12 or 16.
int
half_panel_rows (int m)
{
  return m <= 4 ? 4 : m <= 8 ? 8 : m <= 12 ? 12 : 16;
}

std::atomic<bool> half_on { false };
std::atomic<unsigned long> half_overflows { 0 };

bool
cpu_has_half ()
{
#ifdef NS_GEMM_X86
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512fp16") && __builtin_cpu_supports ("avx512bw")
         && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl");
#else
  return false;
#endif
}

} // namespace

PackedWeights::PackedWeights (const float *a, int m, int k, size_t lda)
  : m_ (m), k_ (k), panel_rows_ (panel_rows (m)), data_ (pack<float> (a, m, k, lda, panel_rows_))
{
  const int r = panel_rows_;
  for (int q = 0; q < (m + r - 1) / r; q++)
    {
      const float *panel = data_.data () + (size_t) q * r * k;
      const auto zero = [&] (int p) {
        return std::all_of (panel + (size_t) p * r, panel + (size_t) (p + 1) * r, [] (float v) { return v == 0.0f; });
      };
      int first = 0, last = k;
      while (first < k && zero (first))
        first++;
      while (last > first && zero (last - 1))
        last--;
      spans_.push_back (first);
      spans_.push_back (last);
    }
#ifdef NS_GEMM_X86
  if (cpu_has_half ())
    {
      half_rows_ = half_panel_rows (m);
      const std::vector<float> panels = pack<float> (a, m, k, lda, half_rows_);
      half_.resize (panels.size ());
      to_half_avx512 (panels.data (), panels.size (), reinterpret_cast<_Float16 *> (half_.data ()));
    }
#endif
}

// Half precision is on, this matrix has its half copy, and the products
// run on AVX-512 (not a narrower instruction set a test chose).
bool
PackedWeights::half_ready () const
{
  return !half_.empty () && half_on.load (std::memory_order_relaxed) && isa ().kernel == kIsas[0].kernel;
}

bool
PackedWeights::runs_in_half () const
{
  return m_ >= kHalfMinRows && half_ready ();
}

#ifdef NS_GEMM_X86
// kernel_half for this matrix's panels of half_rows_ rows, from row i.
template <bool Rows>
bool
PackedWeights::half_kernel (int i, const void *b, const ptrdiff_t *at, float *c, size_t ldc, int cols,
                            const float *bias) const
{
  const _Float16 *a = reinterpret_cast<const _Float16 *> (half_.data ()) + (size_t) i * k_;
  const _Float16 *bh = static_cast<const _Float16 *> (b);
  const int rows = std::min (half_rows_, m_ - i);
  c += i * ldc;
  bias = bias ? bias + i : nullptr;
  switch (half_rows_)
    {
    case 4:
      return kernel_half<4, Rows> (a, k_, bh, at, c, ldc, rows, cols, bias);
    case 8:
      return kernel_half<8, Rows> (a, k_, bh, at, c, ldc, rows, cols, bias);
    case 12:
      return kernel_half<12, Rows> (a, k_, bh, at, c, ldc, rows, cols, bias);
    default:
      return kernel_half<16, Rows> (a, k_, bh, at, c, ldc, rows, cols, bias);
    }
}
#endif

void
PackedWeights::multiply (const float *b, size_t ldb, int n, float *c, size_t ldc,
                         const float *bias) const
{
  const int nr = panel_columns ();
  thread_local std::vector<float> panel;
  thread_local std::vector<ptrdiff_t> at;
  at.resize (k_);
  if (runs_in_half ())
    {
      // Half precision converts B into a panel of its own anyway.
      for (int p = 0; p < k_; p++)
        at[p] = (ptrdiff_t) p * (ptrdiff_t) ldb;
      multiply_half (b, at.data (), n, c, ldc, bias);
      return;
    }
  // Each panel of B copied together first: B's rows are often a power of
  // two apart, and K of them would then share a few cache sets.
  panel.resize ((size_t) k_ * nr);
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
  if (runs_in_half ())
    multiply_half (b, at, n, c, ldc, bias);
  else
    multiply_panels (b, at, n, c, ldc, bias);
}

bool
PackedWeights::multiply_rows (const float *b, const unsigned short *half, const ptrdiff_t *at, int n,
                              float *c, size_t ldc, const float *bias) const
{
  if (!half || !half_ready ())
    {
      if (!b)
        return false;
      multiply_rows (b, at, n, c, ldc, bias);
      return true;
    }
#ifdef NS_GEMM_X86
  const _Float16 *bh = reinterpret_cast<const _Float16 *> (half);
  for (int j = 0; j < n; j += kHalfColumns)
    {
      const int cols = std::min (kHalfColumns, n - j);
      for (int i = 0; i < m_; i += half_rows_)
        {
          const bool ok = half_kernel<true> (i, bh + j, at, c + j, ldc, cols, bias);
          if (!ok)
            {
              // Too large for half precision: these columns again in
              // float32, all rows.
              half_overflows++;
              if (!b)
                return false;
              multiply_panels (b + j, at, cols, c + j, ldc, bias);
              break;
            }
        }
    }
#endif
  return true;
}

void
PackedWeights::multiply_half (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                              const float *bias) const
{
#ifdef NS_GEMM_X86
  constexpr int nr = kHalfColumns;
  thread_local std::vector<_Float16> panel;
  thread_local std::vector<ptrdiff_t> shifted;
  panel.resize ((size_t) k_ * nr);
  shifted.resize (k_);
  for (int j = 0; j < n; j += nr)
    {
      const int cols = std::min (nr, n - j);
      for (int p = 0; p < k_; p++)
        shifted[p] = at[p] + j;
      to_half_panel (b, shifted.data (), k_, cols, panel.data ());
      if (!multiply_half_panel (reinterpret_cast<const unsigned short *> (panel.data ()), cols, c + j,
                                ldc, bias))
        // Too large for half precision: these columns again in float32,
        // all rows.
        multiply_panels (b, shifted.data (), cols, c + j, ldc, bias);
    }
#else
  multiply_panels (b, at, n, c, ldc, bias);
#endif
}

bool
PackedWeights::multiply_half_panel (const unsigned short *panel, int cols, float *c, size_t ldc,
                                    const float *bias) const
{
#ifdef NS_GEMM_X86
  for (int i = 0; i < m_; i += half_rows_)
    {
      const bool ok = half_kernel<false> (i, panel, nullptr, c, ldc, cols, bias);
      if (!ok)
        {
          half_overflows++;
          return false;
        }
    }
  return true;
#else
  (void) panel, (void) cols, (void) c, (void) ldc, (void) bias;
  return false;
#endif
}

void
to_half (const float *from, size_t n, unsigned short *to)
{
#ifdef NS_GEMM_X86
  to_half_avx512 (from, n, reinterpret_cast<_Float16 *> (to));
#else
  (void) from, (void) n, (void) to;
#endif
}

void
from_half (const unsigned short *from, size_t n, float *to)
{
#ifdef NS_GEMM_X86
  from_half_avx512 (reinterpret_cast<const _Float16 *> (from), n, to);
#else
  (void) from, (void) n, (void) to;
#endif
}

void
to_half_rows (const float *src, size_t src_stride, int rows, unsigned short *dst, size_t dst_stride)
{
#ifdef NS_GEMM_X86
  to_half_rows_avx512 (src, src_stride, rows, reinterpret_cast<_Float16 *> (dst), dst_stride);
#else
  (void) src, (void) src_stride, (void) rows, (void) dst, (void) dst_stride;
#endif
}

void
PackedWeights::multiply_panels (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                                const float *bias) const
{
  const Isa &chosen = isa ();
  const Kernel kernel = panel_rows_ == kWideRows     ? chosen.wide_kernel
                        : panel_rows_ == kNarrowRows ? chosen.narrow_kernel
                                                     : chosen.kernel;
  for (int j = 0; j < n; j += chosen.columns)
    for (int i = 0, q = 0; i < m_; i += panel_rows_, q++)
      {
        // Only the panel's span of columns (spans_).
        const int first = spans_[2 * q], last = spans_[2 * q + 1];
        kernel (data_.data () + (size_t) i * k_ + (size_t) first * panel_rows_, last - first, b + j, at + first,
                c + i * ldc + j, ldc, std::min (panel_rows_, m_ - i), std::min (chosen.columns, n - j),
                bias ? bias + i : nullptr);
      }
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
gemm_half_available ()
{
  return cpu_has_half ();
}

bool
gemm_set_half (bool on)
{
  half_on.store (on && cpu_has_half ());
  return half_on.load ();
}

bool
gemm_half ()
{
  return half_on.load ();
}

unsigned long
gemm_half_overflows ()
{
  return half_overflows.load ();
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
