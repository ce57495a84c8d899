// split-deconv.cpp: see split-deconv.hpp.
//
// Along one axis, with stride 2, kernel k and leading pad b, output row o
// is row F = o + b of the uncropped result, which sums input row y times
// kernel row ky over F = 2 y + ky.  Output phase q (o = 2 n + q) thus only
// takes the kernel rows of parity p = (q + b) % 2, and row n reads input
// rows n + (q + b) / 2 - t for kernel row p + 2 t: a plain convolution with
// the taps flipped.
#include "split-deconv.hpp"
#include "graph.hpp"

// OpenCV's headers: unused parameters, signed/unsigned comparisons.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#pragma GCC diagnostic pop

#include <algorithm>
#include <climits>
#include <numeric>

namespace ns {

namespace {

bool
pair_of (const std::vector<size_t> &v, size_t value)
{
  return v.size () == 2 && v[0] == value && v[1] == value;
}

bool
pair_below (const std::vector<size_t> &v, size_t limit)
{
  return v.size () == 2 && v[0] < limit && v[1] < limit;
}

// `layer` as a convolution, if SplitDeconv applies to it.
const cv::dnn::BaseConvolutionLayer &
checked (const cv::dnn::Layer &layer)
{
  CV_Assert (SplitDeconv::applies (layer));
  return dynamic_cast<const cv::dnn::BaseConvolutionLayer &> (layer);
}

cv::Vec4i
layer_pads (const cv::dnn::BaseConvolutionLayer &c)
{
  return cv::Vec4i ((int) c.pads_begin[0], (int) c.pads_begin[1], (int) c.pads_end[0],
                    (int) c.pads_end[1]);
}

cv::Vec2i
layer_adj (const cv::dnn::BaseConvolutionLayer &c)
{
  return c.adjust_pads.empty () ? cv::Vec2i (0, 0)
                                : cv::Vec2i ((int) c.adjust_pads[0], (int) c.adjust_pads[1]);
}

cv::Mat
layer_bias (const cv::dnn::Layer &layer)
{
  return layer.blobs.size () > 1 ? layer.blobs[1] : cv::Mat ();
}

// Output length of a stride-2 transposed convolution, as OpenCV's
// Deconvolution layer computes it.
int
out_length (int in, int kernel, int pad_begin, int pad_end, int adj)
{
  return 2 * (in - 1) + kernel - pad_begin - pad_end + adj;
}

} // namespace

bool
SplitDeconv::applies (const cv::dnn::Layer &layer)
{
  const auto *c = dynamic_cast<const cv::dnn::BaseConvolutionLayer *> (&layer);
  if (!c || layer.type != "Deconvolution" || layer.blobs.empty () || layer.blobs.size () > 2)
    return false;
  const cv::Mat &w = layer.blobs[0];
  // One group: the weights hold every output channel.  "adj" is below
  // the stride, as ONNX and Torch require.
  return w.dims == 4 && w.type () == CV_32F && w.isContinuous () && w.size[1] == c->numOutput
         && c->kernel_size.size () == 2 && (int) c->kernel_size[0] == w.size[2]
         && (int) c->kernel_size[1] == w.size[3] && w.size[2] >= 2 && w.size[3] >= 2
         && pair_of (c->strides, 2) && (c->dilations.empty () || pair_of (c->dilations, 1))
         && c->padMode.empty () && c->pads_begin.size () == 2 && c->pads_end.size () == 2
         && (c->adjust_pads.empty () || pair_below (c->adjust_pads, 2))
         && (layer.blobs.size () == 1
             || (layer.blobs[1].type () == CV_32F && (int) layer.blobs[1].total () == w.size[1]));
}

SplitDeconv::SplitDeconv (const cv::dnn::Layer &layer)
  : SplitDeconv (layer, cv::Vec4i ())
{
}

// Cropping the output is padding the transposed convolution more.
SplitDeconv::SplitDeconv (const cv::dnn::Layer &layer, const cv::Vec4i &crop)
  : SplitDeconv (checked (layer).blobs[0], layer_bias (layer), layer_pads (checked (layer)) + crop,
                 layer_adj (checked (layer)))
{
}

bool
SplitDeconv::slice_crop (const cv::dnn::Layer &slice, cv::Vec4i &crop)
{
  const auto *s = dynamic_cast<const cv::dnn::SliceLayer *> (&slice);
  if (!s || slice.type != "Slice" || s->sliceRanges.size () != 1 || s->sliceRanges[0].size () > 4
      || s->num_split > 1)
    return false;
  for (const std::vector<int> &steps : s->sliceSteps)
    for (int step : steps)
      if (step != 1)
        return false;
  const std::vector<cv::Range> &ranges = s->sliceRanges[0];
  int start[4] = { 0, 0, 0, 0 };
  for (size_t i = 0; i < ranges.size (); i++)
    start[i] = ranges[i].start == INT_MIN ? 0 : ranges[i].start;
  if (start[0] != 0 || start[1] != 0 || start[2] < 0 || start[3] < 0)
    return false;

  // What the ends mean (negative ones count from the end, in OpenCV's own
  // way) is the layer's business: ask it at two sizes, and keep only
  // crops that do not depend on the size.
  const cv::dnn::MatShape sizes[] = { { 1, 8, 50, 60 }, { 1, 8, 71, 93 } };
  for (int i = 0; i < 2; i++)
    {
      std::vector<cv::dnn::MatShape> outs, internals;
      try
        {
          slice.getMemoryShapes ({ sizes[i] }, 1, outs, internals);
        }
      catch (const cv::Exception &)
        {
          return false;
        }
      if (outs.size () != 1 || outs[0].size () != 4 || outs[0][0] != 1 || outs[0][1] != 8)
        return false;
      const cv::Vec4i c (start[2], start[3], sizes[i][2] - start[2] - outs[0][2],
                         sizes[i][3] - start[3] - outs[0][3]);
      if (c[2] < 0 || c[3] < 0 || (i == 1 && c != crop))
        return false;
      crop = c;
    }
  return true;
}

SplitDeconv::Phase
SplitDeconv::phase (int q, int kernel, int pad)
{
  Phase a;
  a.first = (q + pad) % 2;
  a.taps = (kernel - a.first + 1) / 2;
  // Row n reads input rows n + shift - (taps - 1) ... n + shift.
  a.lo = (q + pad) / 2 - (a.taps - 1);
  return a;
}

SplitDeconv::SplitDeconv (const cv::Mat &weights, const cv::Mat &bias, const cv::Vec4i &pads,
                          const cv::Vec2i &adj)
  : cout_ (weights.size[1]), kernel_ (weights.size[2], weights.size[3]), pads_ (pads), adj_ (adj)
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F && kernel_[0] >= 2 && kernel_[1] >= 2);
  CV_Assert (bias.empty () || ((int) bias.total () == cout_ && bias.type () == CV_32F));
  CV_Assert (pads[0] >= 0 && pads[1] >= 0 && pads[2] >= 0 && pads[3] >= 0 && adj[0] >= 0
             && adj[1] >= 0);
  const int cin = weights.size[0];
  const cv::Mat w = weights.isContinuous () ? weights : weights.clone ();

  // Per axis, the taps of both phases on one grid: unified tap t reads
  // input row n + base + t.
  Phase phases[2][2]; // [axis][q]
  cv::Vec2i base, taps;
  for (int d = 0; d < 2; d++)
    {
      for (int q = 0; q < 2; q++)
        phases[d][q] = phase (q, kernel_[d], pads[d]);
      base[d] = std::min (phases[d][0].lo, phases[d][1].lo);
      taps[d] = std::max (phases[d][0].lo + phases[d][0].taps, phases[d][1].lo + phases[d][1].taps)
                - base[d];
    }

  // Output channel (qy * 2 + qx) Cout + o: phase (qy, qx) of output o.
  const int sizes[] = { 4 * cout_, cin, taps[0], taps[1] };
  cv::Mat unified (4, sizes, CV_32F, cv::Scalar (0));
  for (int qy = 0; qy < 2; qy++)
    for (int qx = 0; qx < 2; qx++)
      {
        const Phase &ry = phases[0][qy], &rx = phases[1][qx];
        for (int o = 0; o < cout_; o++)
          for (int i = 0; i < cin; i++)
            for (int jy = 0; jy < ry.taps; jy++)
              for (int jx = 0; jx < rx.taps; jx++)
                {
                  const int dst[] = { (qy * 2 + qx) * cout_ + o, i, ry.lo + jy - base[0],
                                      rx.lo + jx - base[1] };
                  const int src[] = { i, o, ry.first + 2 * (ry.taps - 1 - jy),
                                      rx.first + 2 * (rx.taps - 1 - jx) };
                  unified.at<float> (dst) = w.at<float> (src);
                }
      }
  // Which unified taps (ty taps[1] + tx) each phase has.
  std::vector<std::vector<bool>> has (4, std::vector<bool> (taps[0] * taps[1]));
  for (int qy = 0; qy < 2; qy++)
    for (int qx = 0; qx < 2; qx++)
      for (int ty = 0; ty < taps[0]; ty++)
        for (int tx = 0; tx < taps[1]; tx++)
          {
            const Phase &ry = phases[0][qy], &rx = phases[1][qx];
            const int y = ty + base[0] - ry.lo, x = tx + base[1] - rx.lo;
            has[qy * 2 + qx][ty * taps[1] + tx] = y >= 0 && y < ry.taps && x >= 0 && x < rx.taps;
          }
  const cv::Mat b = bias.empty () ? bias : cv::repeat (bias.reshape (1, 1), 1, 4);
  conv_ = std::make_shared<ConvGemm> (unified, b, 1, cv::Vec4i (-base[0], -base[1], 0, 0), ConvInput (),
                                      nullptr, tap_order (has));
}

// Of the orders of the unified taps in the product's K, the first (from
// 0, 1, ...) where the phases' own taps lie in the fewest columns, each
// phase's from its first to its last: the products skip the columns at
// the ends of a panel of weights where all its rows are zero (gemm.hpp),
// so a phase computes only these.  With 3x3 kernels and pads of 1 the
// phases have 1, 2, 2 and 4 of the 2x2 taps; in the order (0, 1), (0, 0),
// (1, 0), (1, 1) each phase's taps are next to each other: 9 taps
// computed of 16 (rows 2 n, 2 n + 1 by columns 2 m, 2 m + 1: (0, 0);
// (0, 0), (0, 1); (0, 0), (1, 0); all).  Up to 8 taps; raster order
// beyond.
std::vector<int>
SplitDeconv::tap_order (const std::vector<std::vector<bool>> &has)
{
  const int taps = has.empty () ? 0 : (int) has[0].size ();
  std::vector<int> order (taps), best;
  std::iota (order.begin (), order.end (), 0);
  best = order;
  if (taps > 8)
    return best;
  const auto columns = [&] (const std::vector<int> &o) {
    int sum = 0;
    for (const std::vector<bool> &phase : has)
      {
        int first = taps, last = -1;
        for (int i = 0; i < taps; i++)
          if (phase[o[i]])
            first = std::min (first, i), last = i;
        sum += std::max (0, last - first + 1);
      }
    return sum;
  };
  int fewest = columns (order);
  while (std::next_permutation (order.begin (), order.end ()))
    if (columns (order) < fewest)
      {
        fewest = columns (order);
        best = order;
      }
  return best;
}

cv::dnn::MatShape
SplitDeconv::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1);
  const int h = out_length (in[2], kernel_[0], pads_[0], pads_[2], adj_[0]);
  const int w = out_length (in[3], kernel_[1], pads_[1], pads_[3], adj_[1]);
  CV_Assert (in[2] > 0 && in[3] > 0 && h > 0 && w > 0);
  return cv::dnn::MatShape { 1, cout_, h, w };
}

std::vector<size_t>
SplitDeconv::scratch_floats (const cv::dnn::MatShape &in) const
{
  const cv::dnn::MatShape out = output_shape (in);
  return conv_->scratch_floats (in, { 1, 4 * cout_, (out[2] + 1) / 2, (out[3] + 1) / 2 });
}

void
SplitDeconv::forward (const cv::Mat &x, cv::Mat &y)
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && y.type () == CV_32F && y.isContinuous ()
             && cv::dnn::shape (y) == output_shape (cv::dnn::shape (x)));
  // Output row 2 n + q for n < count (q): the unified output has as many
  // rows as the longer phase.  Each block of it (row n, columns m0 on, all
  // 4 Cout channels) goes into y's rows 2 n and 2 n + 1 while in cache.
  const int oh = y.size[2], ow = y.size[3];
  const int rows = (oh + 1) / 2, cols = (ow + 1) / 2;
  float *out = y.ptr<float> ();
  conv_->forward_blocks (x, rows, cols, [&] (int n, int m0, int count, const float *block, size_t ld) {
    for (int qy = 0; qy < 2 && 2 * n + qy < oh; qy++)
      for (int c = 0; c < cout_; c++)
        {
          float *dst = out + ((size_t) c * oh + 2 * n + qy) * ow + 2 * m0;
          const float *even = block + (size_t) ((qy * 2) * cout_ + c) * ld;
          const float *odd = block + (size_t) ((qy * 2 + 1) * cout_ + c) * ld;
          // Columns 2 m + 1 up to ow.
          const int pairs = std::min (count, (ow - 2 * m0) / 2);
          for (int m = 0; m < pairs; m++)
            {
              dst[2 * m] = even[m];
              dst[2 * m + 1] = odd[m];
            }
          if (pairs < count)
            dst[2 * pairs] = even[pairs];
        }
  });
}

namespace {

// Along one axis, phase q of UpsampledConv's unified tap t: the kernel
// rows it adds up (q 0: output row 2 n - 1, reading input rows n - 1 with
// kernel rows 0 and 1, n with 2; q 1: row 2 n, n - 1 with 0, n with 1
// and 2).
bool
upsampled_tap_reads (int q, int t, int k)
{
  static const bool reads[2][2][3] = {
    { { true, true, false }, { false, false, true } },
    { { true, false, false }, { false, true, true } },
  };
  return reads[q][t][k];
}

} // namespace

UpsampledConv::UpsampledConv (const cv::Mat &weights, const cv::Mat &bias)
  : cin_ (weights.size[1]), cout_ (weights.size[0])
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F && weights.size[2] == 3 && weights.size[3] == 3);
  CV_Assert (bias.empty () || ((int) bias.total () == cout_ && bias.type () == CV_32F));
  const cv::Mat w = weights.isContinuous () ? weights : weights.clone ();
  const int sizes[] = { 4 * cout_, cin_, 2, 2 };
  cv::Mat unified (4, sizes, CV_32F, cv::Scalar (0));
  for (int qy = 0; qy < 2; qy++)
    for (int qx = 0; qx < 2; qx++)
      for (int o = 0; o < cout_; o++)
        for (int i = 0; i < cin_; i++)
          for (int ty = 0; ty < 2; ty++)
            for (int tx = 0; tx < 2; tx++)
              {
                double sum = 0;
                for (int ky = 0; ky < 3; ky++)
                  for (int kx = 0; kx < 3; kx++)
                    if (upsampled_tap_reads (qy, ty, ky) && upsampled_tap_reads (qx, tx, kx))
                      {
                        const int src[] = { o, i, ky, kx };
                        sum += w.at<float> (src);
                      }
                const int dst[] = { (qy * 2 + qx) * cout_ + o, i, ty, tx };
                unified.at<float> (dst) = (float) sum;
              }
  const cv::Mat b = bias.empty () ? bias : cv::repeat (bias.reshape (1, 1), 1, 4);
  conv_ = std::make_unique<ConvGemm> (unified, b, 1, cv::Vec4i ());
}

cv::dnn::MatShape
UpsampledConv::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1 && in[1] == cin_ && in[2] > 0 && in[3] > 0);
  return cv::dnn::MatShape { 1, cout_, 2 * in[2], 2 * in[3] };
}

std::vector<size_t>
UpsampledConv::scratch_floats (const cv::dnn::MatShape &in) const
{
  const cv::dnn::MatShape padded { 1, cin_, in[2] + 2, in[3] + 2 };
  std::vector<size_t> floats { (size_t) cin_ * padded[2] * padded[3] };
  for (size_t f : conv_->scratch_floats (padded, { 1, 4 * cout_, in[2] + 1, in[3] + 1 }))
    floats.push_back (f);
  return floats;
}

void
UpsampledConv::forward (const cv::Mat &x, cv::Mat &y)
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && y.type () == CV_32F && y.isContinuous ()
             && cv::dnn::shape (y) == output_shape (cv::dnn::shape (x)));
  const int h = x.size[2], w = x.size[3];
  // The input with its edge repeated once.
  const cv::Mat padded = bordered_copy (x, cv::BORDER_REPLICATE);
  // Block (n, m0 ...) of phase (qy, qx) is output row 2 n + qy - 1,
  // columns 2 m + qx - 1: the first and last of them fall outside.
  const int oh = 2 * h, ow = 2 * w;
  float *out = y.ptr<float> ();
  conv_->forward_blocks (padded, h + 1, w + 1, [&] (int n, int m0, int count, const float *block, size_t ld) {
    for (int qy = 0; qy < 2; qy++)
      {
        const int row = 2 * n + qy - 1;
        if (row < 0 || row >= oh)
          continue;
        for (int c = 0; c < cout_; c++)
          {
            float *dst = out + ((size_t) c * oh + row) * ow;
            const float *odd = block + (size_t) ((qy * 2) * cout_ + c) * ld;      // columns 2 m - 1
            const float *even = block + (size_t) ((qy * 2 + 1) * cout_ + c) * ld; // columns 2 m
            for (int j = 0; j < count; j++)
              {
                const int col = 2 * (m0 + j);
                if (col > 0)
                  dst[col - 1] = odd[j];
                if (col < ow)
                  dst[col] = even[j];
              }
          }
      }
  });
}

} // namespace ns
