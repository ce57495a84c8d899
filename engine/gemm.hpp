// gemm.hpp: the engine's own matrix product, for the layers whose OpenCV
// convolution is slow on some OpenCV versions.
//
// C = A B (+ bias per row of C), A a layer's weights (M x K, packed once
// at load time), B and C row-major blocks of feature maps (K x N and
// M x N, N pixels).  One thread; the caller splits N or runs several
// products side by side.  AVX-512 or AVX2 + FMA when the CPU has them
// (chosen at run time), plain C++ otherwise.
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
  void multiply_rows (const float *b, const ptrdiff_t *at, int n, float *c, size_t ldc,
                      const float *bias = nullptr) const;

  // The columns of C one kernel call computes (a multiple of 8, <= 32).
  static int panel_columns ();

private:
  int m_ = 0;
  int k_ = 0;
  int panel_rows_ = 8;
  // Panels of panel_rows_ rows (8; 4 for 1 to 4 rows, 12 for 9 to 12), each K x
  // panel_rows_ (column by column), the last panel padded with zero rows.
  std::vector<float> data_;
};

// The instruction set multiply() uses here: "avx512", "avx2" or "generic".
const char *gemm_isa ();

// For the tests: makes multiply() use `name` from now on, if this CPU has
// it (says whether it does).
bool gemm_select_isa (const char *name);

} // namespace ns
