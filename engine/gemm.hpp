// gemm.hpp: the engine's own matrix product, for the layers whose OpenCV
// convolution is slow on some OpenCV versions.
//
// C = A B (+ bias per row of C), A a layer's weights (M x K, packed once
// at load time), B and C row-major blocks of feature maps (K x N and
// M x N, N pixels).  One thread; the caller splits N or runs several
// products side by side.  AVX-512 or AVX2 + FMA when the CPU has them
// (chosen at run time), plain C++ otherwise.
//
// Half precision: on a CPU with AVX512-FP16, products of at least 9 rows
// (of any number, on B already in halves: a convolution's input converted
// once) may run in IEEE half precision (A and B rounded to 11 significant bits,
// sums of up to 32 products in half precision, added up in
// float32): 2.5 times the multiply-adds per cycle of float32.  Off unless
// gemm_set_half (true); a block whose half-precision sums overflow is
// computed again in float32.
#pragma once

#include <cstddef>
#include <vector>

namespace ns {

class PackedWeights
{
public:
  PackedWeights () = default;
  // The M x K matrix at `a` (rows `lda` floats apart).
  PackedWeights (const float *a, int m, int k, size_t lda);

  int rows () const { return m_; }
  int cols () const { return k_; }

  // C = A B for N columns (B's rows `ldb` floats apart, C's `ldc`); with
  // `bias`, bias[i] is added to row i.
  void multiply (const float *b, size_t ldb, int n, float *c, size_t ldc,
                 const float *bias = nullptr) const;

  // The same with B's row p at b + at[p] (N contiguous floats there):
  // a convolution's shifted input rows, or im2col panels, without copies.
  // In float32, a panel of A's rows whose first or last columns are all
  // zero does not read B's rows there (a zero times infinity or NaN
  // there adds nothing).
  void multiply_rows (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                      const float *bias = nullptr) const;

  // The same with B also in half precision at the same places (`half`
  // + at[p]: halves of B's floats), read from there where runs_in_half ()
  // instead of converted panel by panel: a convolution converts its input
  // once where a kh x kw kernel reads each value kh kw times.  `b` serves
  // the blocks whose half-precision sums overflow; it may be null: then
  // false, C partly written, where float32 was needed.
  bool multiply_rows (const float *b, const unsigned short *half, const ptrdiff_t *at, int n, float *c,
                      size_t ldc, const float *bias = nullptr) const;

  // Whether this matrix has a half-precision copy (a CPU with
  // AVX512-FP16): multiply_rows () with `half` runs in half precision
  // while it is on, whatever the rows (runs_in_half () needs 9 rows).
  bool has_half () const { return !half_.empty (); }

  // The columns of C one kernel call computes (a multiple of 8, <= 32).
  static int panel_columns ();

  // Whether this matrix's products run in half precision now (see above).
  bool runs_in_half () const;

  // For callers that make B in half precision themselves (Winograd's
  // transforms, which then never write B whole in float32): where
  // runs_in_half (), C = A B for `cols` (<= kHalfPanelColumns) columns, B
  // one panel of K rows of kHalfPanelColumns halves (row p at panel + p
  // kHalfPanelColumns, to_half_rows () makes them; finite values past
  // `cols`).  False, with C partly written, when a half-precision sum
  // overflowed: the caller computes these columns again in float32.
  bool multiply_half_panel (const unsigned short *panel, int cols, float *c, size_t ldc,
                            const float *bias = nullptr) const;

  // multiply_rows () in float32, whatever runs_in_half () says.
  void multiply_panels (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                        const float *bias = nullptr) const;

private:
  bool half_ready () const;
  template <bool Rows>
  bool half_kernel (int i, const void *b, const ptrdiff_t *at, float *c, size_t ldc, int cols,
                    const float *bias) const;
  void multiply_half (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                      const float *bias) const;

  int m_ = 0;
  int k_ = 0;
  // A again in half precision, in panels of half_rows_ (16; 4, 8 or 12
  // for at most that many rows), when the CPU has AVX512-FP16; else
  // empty.
  int half_rows_ = 16;
  std::vector<unsigned short> half_;
  int panel_rows_ = 8;
  // Panels of panel_rows_ rows (8; 4 for 1 to 4 rows, 12 for 9 to 12), each K x
  // panel_rows_ (column by column), the last panel padded with zero rows.
  std::vector<float> data_;
  // Per panel, the columns of A it multiplies: from its first column
  // that is not all zeros to its last (spans_[2 q], spans_[2 q + 1] + 1).
  // The float32 products skip the rest: a split transposed convolution's
  // phases lack some of its taps (split-deconv.hpp), and those columns are
  // zero at the ends of their panels' rows.  The values of B there are
  // never read.
  std::vector<int> spans_;
};

// The columns of a half-precision panel of B.
constexpr int kHalfPanelColumns = 32;

// n floats as halves, rounded to nearest; only on a CPU with AVX512-FP16
// (gemm_half_available ()).
void to_half (const float *from, size_t n, unsigned short *to);
// n halves as floats (exactly); the same CPUs only.
void from_half (const unsigned short *from, size_t n, float *to);

// `rows` rows of kHalfPanelColumns floats (row r at src + r src_stride) as
// halves (at dst + r dst_stride), rounded to nearest; only on a CPU with
// AVX512-FP16 (gemm_half_available ()).
void to_half_rows (const float *src, size_t src_stride, int rows, unsigned short *dst,
                   size_t dst_stride);

// The instruction set multiply() uses here: "avx512", "avx2" or "generic".
const char *gemm_isa ();

// For the tests: makes multiply() use `name` from now on, if this CPU has
// it (says whether it does).
bool gemm_select_isa (const char *name);

// Whether this CPU has half-precision arithmetic (AVX512-FP16).
bool gemm_half_available ();
// Lets products run in half precision from now on (where the CPU has it;
// see above), or not; says whether they will.
bool gemm_set_half (bool on);
bool gemm_half ();
// Blocks computed again in float32 after their half-precision sums
// overflowed, so far (for the tests).
unsigned long gemm_half_overflows ();

} // namespace ns
