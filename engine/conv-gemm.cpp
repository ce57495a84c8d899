// conv-gemm.cpp: see conv-gemm.hpp.
#include "conv-gemm.hpp"
#include "graph.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NS_CONV_GEMM_X86 1
#include <immintrin.h>
#endif

namespace ns {

namespace {

// out[t] = row[x0 + 2 t] for t in [lo, hi), all inside the row of w
// values: a stride-2 convolution's gather, sixteen values at a time where
// the CPU has AVX-512 (one at a time, these gathers took 7 % of wave's
// time).
#ifdef NS_CONV_GEMM_X86
__attribute__ ((target ("avx512f"))) void
gather_stride2_avx512 (const float *row, int w, int x0, int lo, int hi, float *out)
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  // The next panel's values of this row (the next output pixels of the
  // run, when it goes on): a panel reads too many rows at once for the
  // hardware to foresee them.
  for (int ahead = x0 + 2 * hi; ahead < std::min (w, x0 + 4 * hi - 2 * lo); ahead += 16)
    _mm_prefetch (reinterpret_cast<const char *> (row + ahead), _MM_HINT_T0);
  int t = lo;
  for (; t + 16 <= hi; t += 16)
    {
      // Values x0 + 2 t .. + 31; the last may be past the row's end.
      const int at = x0 + 2 * t, past = w - (at + 16);
      const __m512 a = _mm512_loadu_ps (row + at);
      const __m512 b = _mm512_maskz_loadu_ps (past >= 16 ? 0xffff : (__mmask16) ((1u << past) - 1), row + at + 16);
      _mm512_storeu_ps (out + t, _mm512_permutex2var_ps (a, even, b));
    }
  for (; t < hi; t++)
    out[t] = row[x0 + 2 * t];
}

// Eight at a time with AVX2 (4.6 % of wave's CPU time one at a time on
// AMD Zen 3).
__attribute__ ((target ("avx2"))) void
gather_stride2_avx2 (const float *row, int w, int x0, int lo, int hi, float *out)
{
  for (int ahead = x0 + 2 * hi; ahead < std::min (w, x0 + 4 * hi - 2 * lo); ahead += 16)
    _mm_prefetch (reinterpret_cast<const char *> (row + ahead), _MM_HINT_T0);
  const __m256i lanes = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  int t = lo;
  for (; t + 8 <= hi; t += 8)
    {
      // Values x0 + 2 t .. + 15; the last may be past the row's end.
      const int at = x0 + 2 * t, past = w - (at + 8);
      const __m256 a = _mm256_loadu_ps (row + at);
      const __m256 b = _mm256_maskload_ps (row + at + 8, _mm256_cmpgt_epi32 (_mm256_set1_epi32 (past), lanes));
      // a0 a2 b0 b2 | a4 a6 b4 b6, then its 64-bit pairs in order.
      const __m256 even = _mm256_shuffle_ps (a, b, 0x88);
      _mm256_storeu_ps (out + t, _mm256_castpd_ps (_mm256_permute4x64_pd (_mm256_castps_pd (even), 0xd8)));
    }
  for (; t < hi; t++)
    out[t] = row[x0 + 2 * t];
}

#endif

// Output columns per task of a stride-1 convolution.
constexpr int kTaskColumns = 128;

} // namespace

ConvGemm::ConvGemm (const cv::Mat &weights, const cv::Mat &bias, int stride, const cv::Vec4i &pads,
                    const ConvInput &input, std::shared_ptr<PaddedScratch> scratch,
                    const std::vector<int> &taps)
  : channels_ (weights.size[1]), kernel_ (weights.size[2], weights.size[3]), stride_ (stride),
    pads_ (pads), input_ (input), taps_ (taps),
    scratch_ (scratch ? std::move (scratch) : std::make_shared<PaddedScratch> ())
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F && weights.isContinuous ());
  CV_Assert (stride >= 1 && input.upsample >= 1);
  CV_Assert ((input.upsample == 1 && !input.reflect)
             || ((stride == 1 || input.upsample == 1) && pads[0] >= 0 && pads[1] >= 0 && pads[2] >= 0
                 && pads[3] >= 0));
  CV_Assert (bias.empty () || (bias.type () == CV_32F && bias.total () == (size_t) weights.size[0]));
  // Columns tap by tap, in the order asked (see taps_ in conv-gemm.hpp).
  const int count = kernel_[0] * kernel_[1], k = channels_ * count, m = weights.size[0];
  if (taps_.empty ())
    for (int t = 0; t < count; t++)
      taps_.push_back (t);
  std::vector<int> sorted (taps_), every (count);
  std::sort (sorted.begin (), sorted.end ());
  std::iota (every.begin (), every.end (), 0);
  CV_Assert (sorted == every);
  std::vector<float> a ((size_t) m * k);
  const float *w = weights.ptr<float> ();
  for (int o = 0; o < m; o++)
    for (int c = 0; c < channels_; c++)
      for (int i = 0; i < count; i++)
        a[(size_t) o * k + (size_t) i * channels_ + c] = w[((size_t) o * channels_ + c) * count + taps_[i]];
  weights_ = PackedWeights (a.data (), m, k, k);
  if (!bias.empty ())
    {
      const cv::Mat b = bias.isContinuous () ? bias : bias.clone ();
      bias_.assign (b.ptr<float> (), b.ptr<float> () + b.total ());
    }
}

cv::dnn::MatShape
ConvGemm::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1 && in[1] == channels_);
  const int u = input_.upsample;
  const int h = in[2] * u + pads_[0] + pads_[2] - kernel_[0], w = in[3] * u + pads_[1] + pads_[3] - kernel_[1];
  CV_Assert (h >= 0 && w >= 0);
  return { 1, out_channels (), h / stride_ + 1, w / stride_ + 1 };
}

namespace {

// Where padded index i (from -pad) of an axis of n values upsampled by u
// reads x: an index of x, or -1 for a zero.
int
source_index (int i, int n, int u, bool reflect)
{
  const int len = n * u;
  if (reflect && len > 1)
    // BORDER_REFLECT_101, as cv::borderInterpolate: the edge not repeated.
    while (i < 0 || i >= len)
      i = i < 0 ? -i : 2 * len - 2 - i;
  else if (reflect)
    i = 0;
  return i >= 0 && i < len ? i / u : -1;
}

} // namespace

// Panel row i C + c (`ld` floats apart), column j < n: the input value
// output pixel (oy, ox + j) reads at tap taps_[i] = ky kw + kx of channel
// c, zero outside the image (or its mirror image there, with
// input_.reflect); zeros from n to ld.
void
ConvGemm::gather (const cv::Mat &x, int oy, int ox, int n, size_t ld, float *panel) const
{
  const int h = x.size[2], w = x.size[3];
  CV_Assert (n >= 1 && (size_t) n <= ld);

  // The matrix product's instruction set (a test that makes it use a
  // narrower one gets that one's gathers too).
  enum class Isa { avx512, avx2, other };
  const char *name = gemm_isa ();
  const Isa isa = std::strcmp (name, "avx512") == 0 ? Isa::avx512
                  : std::strcmp (name, "avx2") == 0 ? Isa::avx2
                                                     : Isa::other;
  (void) isa;
  const float *src = x.ptr<float> ();
  float *dst = panel;
  for (int tap : taps_)
    for (int c = 0, ky = tap / kernel_[1], kx = tap % kernel_[1]; c < channels_; c++, dst += ld)
      {
        std::fill (dst + n, dst + ld, 0.0f);
        const int iy = source_index (oy * stride_ + ky - pads_[0], h, 1, input_.reflect);
        if (iy < 0)
          {
            std::fill (dst, dst + n, 0.0f);
            continue;
          }
        const float *row = src + ((size_t) c * h + iy) * w;
        // Columns ix0 + stride t, t < n; inside the image for t in
        // [lo, hi).
        const int ix0 = ox * stride_ + kx - pads_[1];
        const int lo = std::min (n, ix0 >= 0 ? 0 : (-ix0 + stride_ - 1) / stride_);
        const int hi = std::max (lo, std::min (n, ix0 >= w ? 0 : (w - ix0 + stride_ - 1) / stride_));
        std::fill (dst, dst + lo, 0.0f);
        if (stride_ == 1)
          std::copy (row + ix0 + lo, row + ix0 + hi, dst + lo);
#ifdef NS_CONV_GEMM_X86
        else if (stride_ == 2 && isa == Isa::avx512)
          gather_stride2_avx512 (row, w, ix0, lo, hi, dst);
        else if (stride_ == 2 && isa == Isa::avx2)
          gather_stride2_avx2 (row, w, ix0, lo, hi, dst);
#endif
        else
          for (int t = lo; t < hi; t++)
            dst[t] = row[ix0 + stride_ * t];
        std::fill (dst + hi, dst + n, 0.0f);
        if (input_.reflect)
          {
            for (int t = 0; t < lo; t++)
              dst[t] = row[source_index (ix0 + stride_ * t, w, 1, true)];
            for (int t = hi; t < n; t++)
              dst[t] = row[source_index (ix0 + stride_ * t, w, 1, true)];
          }
      }
}

void
ConvGemm::forward (const cv::Mat &x, cv::Mat &y)
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && y.type () == CV_32F && y.isContinuous ());
  CV_Assert (x.dims == 4 && x.size[0] == 1 && x.size[1] == channels_ && y.dims == 4
             && y.size[0] == 1 && y.size[1] == out_channels ());
  if (stride_ == 1)
    {
      const bool plain = input_.upsample == 1 && !input_.reflect;
      CV_Assert (plain || shape_of (y) == output_shape (shape_of (x)));
      forward_shifted (x, y.size[2], y.size[3], y.ptr<float> (), nullptr);
    }
  else
    forward_gathered (x, y);
}

namespace {

// max (0, v) for `rows` rows of n values, `ld` apart.
void
clamp_negative (float *c, int rows, int n, size_t ld)
{
  for (int i = 0; i < rows; i++)
    {
      float *row = c + i * ld;
      for (int j = 0; j < n; j++)
        row[j] = row[j] > 0.0f ? row[j] : 0.0f;
    }
}

} // namespace

// `padded` = x (C x h x w at `src`) upsampled and padded as input_ says
// (zeros by default), ph x pw per channel; or, with `halves` instead, the
// same in half precision (each row made in floats first, in cache).
void
ConvGemm::resample (const float *src, int h, int w, int ph, int pw, float *padded,
                    unsigned short *halves) const
{
  std::vector<int> rows (ph), cols (pw);
  for (int r = 0; r < ph; r++)
    rows[r] = source_index (r - pads_[0], h, input_.upsample, input_.reflect);
  for (int c = 0; c < pw; c++)
    cols[c] = source_index (c - pads_[1], w, input_.upsample, input_.reflect);
  // Columns read as they are (none when upsampled); a negative pad skips
  // columns of x.
  const int x0 = input_.upsample == 1 ? std::max (0, std::min (pw, pads_[1])) : pw;
  const int x1 = input_.upsample == 1 ? std::max (x0, std::min (pw, pads_[1] + w)) : pw;
  cv::parallel_for_ (cv::Range (0, channels_ * ph), [&] (const cv::Range &range) {
    thread_local std::vector<float> buffer;
    if (halves)
      buffer.resize (pw);
    for (int i = range.start; i < range.end; i++)
      {
        const int c = i / ph, sy = rows[i % ph];
        float *row = halves ? buffer.data () : padded + (size_t) i * pw;
        if (sy < 0)
          std::fill (row, row + pw, 0.0f);
        else
          {
            const float *in = src + ((size_t) c * h + sy) * w;
            for (int k = 0; k < pw; k++)
              if (k == x0 && x0 < x1)
                {
                  // Not upsampled: x's row as it is, then the right pad.
                  std::copy (in + (x0 - pads_[1]), in + (x1 - pads_[1]), row + x0);
                  k = x1 - 1;
                }
              else
                row[k] = cols[k] < 0 ? 0.0f : in[cols[k]];
          }
        if (halves)
          to_half (row, pw, halves + (size_t) i * pw);
      }
  });
}

bool
ConvGemm::reads_halves () const
{
  return stride_ == 1 && kernel_[0] * kernel_[1] >= 9 && weights_.has_half ();
}

// Stride 1: whether the rows and columns the output reads (ph x pw from
// -pad on) are not x's own (h x w), so that forward () copies them.
bool
ConvGemm::copies_input (int h, int w, int ph, int pw) const
{
  return input_.upsample != 1 || input_.reflect || pads_[0] || pads_[1] || ph != h || pw != w;
}

std::vector<size_t>
ConvGemm::scratch_floats (const cv::dnn::MatShape &in, const cv::dnn::MatShape &out) const
{
  if (stride_ != 1)
    return {};
  const int ph = out[2] + kernel_[0] - 1, pw = out[3] + kernel_[1] - 1;
  const size_t values = (size_t) channels_ * ph * pw;
  // The padded copy straight in halves where the products read halves.
  if (reads_halves () && gemm_half ())
    return { (values + 1) / 2 };
  if (copies_input (in[2], in[3], ph, pw))
    return { values };
  return {};
}

void
ConvGemm::forward_blocks (const cv::Mat &x, int oh, int ow, const BlockSink &sink)
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && x.dims == 4 && x.size[0] == 1
             && x.size[1] == channels_ && stride_ == 1 && oh > 0 && ow > 0);
  const bool plain = input_.upsample == 1 && !input_.reflect;
  CV_Assert (plain || output_shape (shape_of (x)) == cv::dnn::MatShape ({ 1, out_channels (), oh, ow }));
  forward_shifted (x, oh, ow, nullptr, &sink);
}

// Stride 1: output row oy, columns ox.. read the padded input at
// (c, oy + ky, ox + kx..), so B's rows are the padded input's rows,
// shifted.  The output goes to y (O x oh x ow), or block by block to
// `sink`.
void
ConvGemm::forward_shifted (const cv::Mat &x, int oh, int ow, float *y, const BlockSink *sink)
{
  const int h = x.size[2], w = x.size[3];
  // The input rows and columns the output reads: from -pad on.
  const int ph = oh + kernel_[0] - 1, pw = ow + kernel_[1] - 1;
  const float *src = x.ptr<float> ();
  const size_t size = (size_t) channels_ * ph * pw;
  const bool copies = copies_input (h, w, ph, pw);
  // The input in halves (two to a float of the scratch buffer), where the
  // products read them: a padded copy straight in halves, the one in
  // floats made only if a task needs float32 after all (a sum that
  // overflowed half precision).
  cv::Mat halves;
  const unsigned short *half = nullptr;
  if (reads_halves () && gemm_half ())
    {
      halves = scratch_buffer ((size + 1) / 2);
      unsigned short *to = reinterpret_cast<unsigned short *> (halves.ptr<float> ());
      if (copies)
        resample (src, h, w, ph, pw, nullptr, to);
      else
        {
          // In pieces of whole vectors.
          constexpr size_t kPiece = 1 << 16;
          cv::parallel_for_ (cv::Range (0, (int) ((size + kPiece - 1) / kPiece)), [&] (const cv::Range &range) {
            const size_t begin = range.start * kPiece, end = std::min (size, range.end * kPiece);
            to_half (src + begin, end - begin, to + begin);
          });
        }
      half = to;
    }
  cv::Mat padded;
  if (copies && !half)
    {
      padded = scratch_buffer (size);
      resample (src, h, w, ph, pw, padded.ptr<float> (), nullptr);
    }
  std::once_flag padded_once;
  // The padded input in floats (`src` itself where it is not copied).
  const auto floats = [&] () -> const float * {
    if (!copies)
      return src;
    std::call_once (padded_once, [&] {
      if (padded.empty ())
        {
          padded.create (1, (int) size, CV_32F);
          resample (src, h, w, ph, pw, padded.ptr<float> (), nullptr);
        }
    });
    return padded.ptr<float> ();
  };
  const float *b = half && copies ? nullptr : floats ();
  at_.resize ((size_t) weights_.cols ());
  size_t p = 0;
  for (int tap : taps_)
    for (int c = 0; c < channels_; c++)
      at_[p++] = ((ptrdiff_t) c * ph + tap / kernel_[1]) * pw + tap % kernel_[1];

  // Tasks of up to kTaskColumns columns of one output row.
  const int per_row = (ow + kTaskColumns - 1) / kTaskColumns;
  const float *bias = bias_.empty () ? nullptr : bias_.data ();
  const int m = out_channels ();
  cv::parallel_for_ (cv::Range (0, oh * per_row), [&] (const cv::Range &range) {
    thread_local std::vector<float> block;
    if (sink)
      block.resize ((size_t) m * kTaskColumns);
    for (int t = range.start; t < range.end; t++)
      {
        const int oy = t / per_row, ox = t % per_row * kTaskColumns;
        const int n = std::min (kTaskColumns, ow - ox);
        const size_t at = (size_t) oy * pw + ox;
        const auto multiply = [&] (float *c, size_t ldc) {
          if (!weights_.multiply_rows (b ? b + at : nullptr, half ? half + at : nullptr, at_.data (), n, c,
                                       ldc, bias))
            weights_.multiply_panels (floats () + at, at_.data (), n, c, ldc, bias);
          if (relu_ && !sink)
            clamp_negative (c, m, n, ldc);
        };
        if (!sink)
          multiply (y + (size_t) oy * ow + ox, (size_t) oh * ow);
        else
          {
            multiply (block.data (), kTaskColumns);
            (*sink) (oy, ox, n, block.data (), kTaskColumns);
          }
      }
  });
}

// Other strides: the values gathered into panels (im2col), for tasks of
// up to kTaskColumns output pixels of one row: a gather call per tap and
// channel for 128 pixels, where panels of the product's 16 columns made
// one for 16 (the calls cost a third of the stride-2 convolutions' time
// on AMD Zen 3).
void
ConvGemm::forward_gathered (const cv::Mat &x, cv::Mat &y)
{
  const int oh = y.size[2], ow = y.size[3];
  const size_t pixels = (size_t) oh * ow;
  const int per_row = (ow + kTaskColumns - 1) / kTaskColumns;
  const int k = weights_.cols ();
  at_.resize (k);
  for (int p = 0; p < k; p++)
    at_[p] = (ptrdiff_t) p * kTaskColumns;
  const float *bias = bias_.empty () ? nullptr : bias_.data ();
  cv::parallel_for_ (cv::Range (0, oh * per_row), [&] (const cv::Range &range) {
    thread_local std::vector<float> panel;
    panel.resize ((size_t) k * kTaskColumns);
    for (int t = range.start; t < range.end; t++)
      {
        const int oy = t / per_row, ox = t % per_row * kTaskColumns;
        const int n = std::min (kTaskColumns, ow - ox);
        float *c = y.ptr<float> () + (size_t) oy * ow + ox;
        gather (x, oy, ox, n, kTaskColumns, panel.data ());
        weights_.multiply_rows (panel.data (), at_.data (), n, c, pixels, bias);
        if (relu_)
          clamp_negative (c, weights_.rows (), n, pixels);
      }
  });
}

} // namespace ns
