// tap-sum.cpp: see tap-sum.hpp.
#include "tap-sum.hpp"

#include <algorithm>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NS_TAP_SUM_X86 1
#include <immintrin.h>
#endif

namespace ns {

namespace {

// Input columns per strip: its products (243 x 256 floats at 9x9 32->3,
// 250 KB; the scratch, per thread) stay in L2 beside the output rows they
// are added to.
constexpr int kChunkColumns = 256;

// Columns per product (gemm.cpp's widest panel), and the floats of a
// cache line.
constexpr int kPanelColumns = 32;
constexpr int kLineFloats = 16;

// Zero columns on each side of a strip's products, where the taps at the
// strip's edges read: k - 1, rounded up to whole vectors.
int
margin (int k)
{
  return (k - 1 + 15) / 16 * 16;
}

// out[i] += rows[0][i] + ... + rows[k - 1][i] for i < n, added in that
// order: the same numbers with every instruction set.
typedef void (*AddTaps) (float *out, const float *const *rows, int k, int n);

void
add_taps_generic (float *out, const float *const *rows, int k, int n)
{
  for (int i = 0; i < n; i++)
    {
      float s = out[i];
      for (int t = 0; t < k; t++)
        s += rows[t][i];
      out[i] = s;
    }
}

#ifdef NS_TAP_SUM_X86

// Four vectors at a time: each output's k adds are a chain, and chains of
// one vector left the adder waiting.
__attribute__ ((target ("avx512f"))) void
add_taps_avx512 (float *out, const float *const *rows, int k, int n)
{
  int i = 0;
  for (; i + 64 <= n; i += 64)
    {
      __m512 s0 = _mm512_loadu_ps (out + i), s1 = _mm512_loadu_ps (out + i + 16);
      __m512 s2 = _mm512_loadu_ps (out + i + 32), s3 = _mm512_loadu_ps (out + i + 48);
      for (int t = 0; t < k; t++)
        {
          const float *r = rows[t] + i;
          s0 = _mm512_add_ps (s0, _mm512_loadu_ps (r));
          s1 = _mm512_add_ps (s1, _mm512_loadu_ps (r + 16));
          s2 = _mm512_add_ps (s2, _mm512_loadu_ps (r + 32));
          s3 = _mm512_add_ps (s3, _mm512_loadu_ps (r + 48));
        }
      _mm512_storeu_ps (out + i, s0);
      _mm512_storeu_ps (out + i + 16, s1);
      _mm512_storeu_ps (out + i + 32, s2);
      _mm512_storeu_ps (out + i + 48, s3);
    }
  for (; i < n; i += 16)
    {
      const __mmask16 m = (__mmask16) (n - i >= 16 ? 0xffff : (1u << (n - i)) - 1);
      __m512 s = _mm512_maskz_loadu_ps (m, out + i);
      for (int t = 0; t < k; t++)
        s = _mm512_add_ps (s, _mm512_maskz_loadu_ps (m, rows[t] + i));
      _mm512_mask_storeu_ps (out + i, m, s);
    }
}

// Four vectors at a time too (one chain of adds per vector waited on the
// adder's latency: tap-sum 9x9 32->3 took 13 % of wave's layer time on
// AMD Zen 3).
__attribute__ ((target ("avx2"))) void
add_taps_avx2 (float *out, const float *const *rows, int k, int n)
{
  int i = 0;
  for (; i + 32 <= n; i += 32)
    {
      __m256 s0 = _mm256_loadu_ps (out + i), s1 = _mm256_loadu_ps (out + i + 8);
      __m256 s2 = _mm256_loadu_ps (out + i + 16), s3 = _mm256_loadu_ps (out + i + 24);
      for (int t = 0; t < k; t++)
        {
          const float *r = rows[t] + i;
          s0 = _mm256_add_ps (s0, _mm256_loadu_ps (r));
          s1 = _mm256_add_ps (s1, _mm256_loadu_ps (r + 8));
          s2 = _mm256_add_ps (s2, _mm256_loadu_ps (r + 16));
          s3 = _mm256_add_ps (s3, _mm256_loadu_ps (r + 24));
        }
      _mm256_storeu_ps (out + i, s0);
      _mm256_storeu_ps (out + i + 8, s1);
      _mm256_storeu_ps (out + i + 16, s2);
      _mm256_storeu_ps (out + i + 24, s3);
    }
  for (; i + 8 <= n; i += 8)
    {
      __m256 s = _mm256_loadu_ps (out + i);
      for (int t = 0; t < k; t++)
        s = _mm256_add_ps (s, _mm256_loadu_ps (rows[t] + i));
      _mm256_storeu_ps (out + i, s);
    }
  for (; i < n; i++)
    {
      float s = out[i];
      for (int t = 0; t < k; t++)
        s += rows[t][i];
      out[i] = s;
    }
}

#endif

// The adds for the instruction set the matrix product uses (a test that
// makes it use a narrower one gets these too).
AddTaps
add_taps ()
{
#ifdef NS_TAP_SUM_X86
  if (std::strcmp (gemm_isa (), "avx512") == 0)
    return add_taps_avx512;
  if (std::strcmp (gemm_isa (), "avx2") == 0)
    return add_taps_avx2;
#endif
  return add_taps_generic;
}

// The columns of each strip of a w-column image (the last may be
// narrower): about kChunkColumns, in whole panels of the product (a
// partial panel ran masked at the cost of a whole one: 16 % of the
// products' time with strips of 250 columns on AVX2), unless the last strip
// would then have fewer than `least` columns (a mirrored column's products
// must be in its strip): then strips of equal widths.
int
strip_columns (int w, int least)
{
  const int strips = (w + kChunkColumns - 1) / kChunkColumns, equal = (w + strips - 1) / strips;
  const int nr = PackedWeights::panel_columns ();
  const int chunk = (equal + nr - 1) / nr * nr;
  const int last = w - (w - 1) / chunk * chunk;
  return last >= least ? chunk : equal;
}

// Where index i (from -pad) of an axis of n values reads: i itself, or
// mirrored as BORDER_REFLECT_101 (the edge not repeated).
int
mirrored (int i, int n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

// The weights O x C x k x k as the (O k k) x C matrix of the taps: row
// (o k + ky) k + kx holds W[o, :, ky, kx].
cv::Mat
tap_matrix (const cv::Mat &w)
{
  const int o = w.size[0], c = w.size[1], k = w.size[2];
  cv::Mat a (o * k * k, c, CV_32F);
  for (int oc = 0; oc < o; oc++)
    for (int ic = 0; ic < c; ic++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          {
            const int src[] = { oc, ic, ky, kx };
            a.at<float> ((oc * k + ky) * k + kx, ic) = w.at<float> (src);
          }
  return a;
}

} // namespace

TapSum::TapSum (const cv::Mat &weights, const cv::Mat &bias, int pad, bool reflect)
  : channels_ (weights.size[1]), outputs_ (weights.size[0]), kernel_ (weights.size[2]), pad_ (pad),
    reflect_ (reflect)
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F && weights.size[3] == kernel_ && pad >= 0);
  CV_Assert (!reflect || pad < kernel_);
  CV_Assert (bias.empty () || (bias.type () == CV_32F && bias.total () == (size_t) outputs_));
  const cv::Mat a = tap_matrix (weights);
  taps_ = PackedWeights (a.ptr<float> (), a.rows, a.cols, a.cols);
  bias_.assign (outputs_, 0.0f);
  if (!bias.empty ())
    {
      const cv::Mat b = bias.isContinuous () ? bias : bias.clone ();
      std::copy_n (b.ptr<float> (), outputs_, bias_.begin ());
    }
}

cv::dnn::MatShape
TapSum::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1 && in[1] == channels_);
  const int h = in[2] + 2 * pad_ - kernel_ + 1, w = in[3] + 2 * pad_ - kernel_ + 1;
  CV_Assert (h >= 1 && w >= 1);
  return { 1, outputs_, h, w };
}

void
TapSum::forward (const cv::Mat &x, cv::Mat &y) const
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && y.type () == CV_32F && y.isContinuous ());
  const cv::dnn::MatShape out = output_shape (cv::dnn::MatShape (x.size.p, x.size.p + x.dims));
  CV_Assert (y.dims == 4 && std::equal (out.begin (), out.end (), y.size.p));
  const int oh = y.size[2];
  const int bands = std::max (1, std::min (oh, cv::getNumThreads ()));
  cv::parallel_for_ (cv::Range (0, bands), [&] (const cv::Range &range) {
    for (int b = range.start; b < range.end; b++)
      run_band (x, y, (int) ((long) oh * b / bands), (int) ((long) oh * (b + 1) / bands));
  }, bands);
}

// Mirrored padding: the columns of products left of the image's first
// column and right of its last, where a strip holds them (taps read up to
// pad columns out), copies of the columns they mirror; zeros elsewhere
// (where the strip before or after adds its own).
void
TapSum::mirror_edges (float *p, size_t stride, int left, int c0, int cols, int w) const
{
  for (int r = 0; r < taps_.rows (); r++)
    {
      float *row = p + r * stride + left; // input column c0
      for (int i = 1; i <= pad_; i++)
        {
          row[-i] = c0 == 0 ? row[mirrored (-i, w)] : 0.0f;
          row[cols - 1 + i] = c0 + cols == w ? row[mirrored (w - 1 + i, w) - c0] : 0.0f;
        }
    }
}

// Output rows y0 to y1 (all columns): the products of every input row
// they read, each added to the output rows of this band it reaches.
void
TapSum::run_band (const cv::Mat &x, cv::Mat &y, int y0, int y1) const
{
  const int h = x.size[2], w = x.size[3], ow = y.size[3], k = kernel_;
  const int chunk = strip_columns (w, pad_ + 1);
  const int left = margin (k);
  const size_t stride = (size_t) left + chunk + left;
  thread_local std::vector<float> products;
  products.assign ((size_t) taps_.rows () * stride, 0.0f);
  for (int o = 0; o < outputs_; o++)
    for (int r = y0; r < y1; r++)
      std::fill_n (y.ptr<float> (0, o, r), ow, bias_[o]);

  const AddTaps add = add_taps ();
  std::vector<const float *> rows (k);
  // Rows from -pad: those outside the image are mirrored, or zeros (none
  // computed).
  const int first = std::max (reflect_ ? -pad_ : 0, y0 - pad_);
  const int last = std::min (reflect_ ? h + pad_ : h, y1 - 1 - pad_ + k);
  const size_t plane = (size_t) h * w;
  // Strips of columns, top to bottom: the output rows a strip adds to stay
  // in L1 from one input row to the next.
  for (int c0 = 0; c0 < w; c0 += chunk)
    {
      const int cols = std::min (chunk, w - c0);
      // Input columns c0.. reach output columns c0 + pad - (k - 1) to
      // c0 + cols + pad - 1.
      const int xa = std::max (0, c0 + pad_ - (k - 1)), xb = std::min (ow, c0 + cols + pad_);
      for (int iy = first; iy < last; iy++)
        {
          float *p = products.data ();
          const float *in = x.ptr<float> (0, 0, mirrored (iy, h)) + c0;
          const float *next = iy + 1 < last ? x.ptr<float> (0, 0, mirrored (iy + 1, h)) + c0 : nullptr;
          // A panel of columns at a time, and meanwhile the same columns
          // of the next input row fetched, C rows far apart (the
          // hardware's prefetcher misses them): 5 % faster.  (The whole
          // strip's at once, or over the sums below, stalled on the fetches
          // in flight.)
          for (int j = 0; j < cols; j += kPanelColumns)
            {
              const int n = std::min (kPanelColumns, cols - j);
              if (next)
                for (int c = 0; c < channels_; c++)
                  for (int t = 0; t < n; t += kLineFloats)
                    __builtin_prefetch (next + c * plane + j + t);
              taps_.multiply (in + j, plane, n, p + left + j, stride);
            }
          // A last, narrower strip: zeros past it where the taps read.
          if (cols < chunk)
            for (int r = 0; r < taps_.rows (); r++)
              std::fill_n (p + r * stride + left + cols, k - 1, 0.0f);
          if (reflect_)
            mirror_edges (p, stride, left, c0, cols, w);
          if (xa >= xb)
            continue;
          // Output row iy + pad - ky, for the taps ky that reach this band.
          const int ky0 = std::max (0, iy + pad_ - y1 + 1), ky1 = std::min (k - 1, iy + pad_ - y0);
          for (int ky = ky0; ky <= ky1; ky++)
            for (int o = 0; o < outputs_; o++)
              {
                // Tap kx of output column x reads input column x + kx -
                // pad, at left + (x + kx - pad - c0) in its row of P.
                const float *tap = p + (size_t) (o * k + ky) * k * stride + (left - pad_ - c0 + xa);
                for (int kx = 0; kx < k; kx++)
                  rows[kx] = tap + kx * stride + kx;
                add (y.ptr<float> (0, o, iy + pad_ - ky) + xa, rows.data (), k, xb - xa);
              }
        }
    }
}

} // namespace ns
