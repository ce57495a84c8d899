// split-deconv.cpp: see split-deconv.hpp.
//
// Along one axis, with stride 2, kernel k and leading pad b, output row o
// is row F = o + b of the uncropped result, which sums input row y times
// kernel row ky over F = 2 y + ky.  Output phase q (o = 2 n + q) thus only
// takes the kernel rows of parity p = (q + b) % 2, and row n reads input
// rows n + (q + b) / 2 - t for kernel row p + 2 t: a plain convolution with
// the taps flipped.
#include "split-deconv.hpp"

// OpenCV's headers: unused parameters, signed/unsigned comparisons.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <opencv2/dnn/all_layers.hpp>
#include <opencv2/dnn/shape_utils.hpp>
#pragma GCC diagnostic pop

#include <algorithm>
#include <climits>

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

SplitDeconv::Axis
SplitDeconv::axis (int q, int in, int out, int kernel, int pad)
{
  Axis a;
  a.count = out > q ? (out - q + 1) / 2 : 0;
  a.first = (q + pad) % 2;
  const int shift = (q + pad) / 2;
  a.taps = (kernel - a.first + 1) / 2;
  // Row n reads input rows n + shift - (taps - 1) ... n + shift: a leading
  // pad of taps - 1 - shift, and enough trailing pad for count rows.
  // OpenCV 4.6's convolution pads both ends alike: the larger pad on both,
  // and the first rows of its output skipped when that is more than the
  // leading pad.  out - 2 in does not depend on the size, so neither do
  // the pads.
  const int lead = a.taps - 1 - shift;
  const int trail = a.count - lead - in + a.taps - 1;
  a.pad = std::max ({ lead, trail, 0 });
  a.skip = a.pad - lead;
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

  // The pads do not depend on the size: take any that gives every phase
  // rows.
  const int nominal = 1024;
  for (int qy = 0; qy < 2; qy++)
    for (int qx = 0; qx < 2; qx++)
      {
        const Axis ry = axis (qy, nominal,
                              out_length (nominal, kernel_[0], pads[0], pads[2], adj[0]),
                              kernel_[0], pads[0]);
        const Axis rx = axis (qx, nominal,
                              out_length (nominal, kernel_[1], pads[1], pads[3], adj[1]),
                              kernel_[1], pads[1]);
        const int sizes[] = { cout_, cin, ry.taps, rx.taps };
        cv::Mat phase (4, sizes, CV_32F);
        for (int o = 0; o < cout_; o++)
          for (int i = 0; i < cin; i++)
            for (int jy = 0; jy < ry.taps; jy++)
              for (int jx = 0; jx < rx.taps; jx++)
                {
                  const int dst[] = { o, i, jy, jx };
                  const int src[] = { i, o, ry.first + 2 * (ry.taps - 1 - jy),
                                      rx.first + 2 * (rx.taps - 1 - jx) };
                  phase.at<float> (dst) = w.at<float> (src);
                }

        cv::dnn::LayerParams p;
        p.name = cv::format ("split-deconv/%d%d", qy, qx);
        p.type = "Convolution";
        p.set ("kernel_h", ry.taps);
        p.set ("kernel_w", rx.taps);
        p.set ("pad_h", ry.pad);
        p.set ("pad_w", rx.pad);
        p.set ("num_output", cout_);
        p.set ("bias_term", !bias.empty ());
        p.blobs.push_back (phase);
        if (!bias.empty ())
          p.blobs.push_back (bias.reshape (1, 1).clone ());
        convs_[qy * 2 + qx] = cv::dnn::ConvolutionLayer::create (p);
      }
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

bool
SplitDeconv::live (int phase) const
{
  return rows_[phase / 2].count > 0 && cols_[phase % 2].count > 0;
}

void
SplitDeconv::prepare (const cv::Mat &x)
{
  const cv::dnn::MatShape in = cv::dnn::shape (x);
  if (in == shape_)
    return;
  shape_.clear ();
  const cv::dnn::MatShape out = output_shape (in);
  for (int q = 0; q < 2; q++)
    {
      rows_[q] = axis (q, in[2], out[2], kernel_[0], pads_[0]);
      cols_[q] = axis (q, in[3], out[3], kernel_[1], pads_[1]);
    }
  // A phase without output pixels (an output of one row or column) gets no
  // convolution.
  std::array<cv::dnn::MatShape, 4> shapes;
  size_t total = 0;
  for (int i = 0; i < 4; i++)
    if (live (i))
      {
        const Axis &ry = rows_[i / 2], &rx = cols_[i % 2];
        shapes[i] = { 1, cout_, in[2] + 2 * ry.pad - ry.taps + 1, in[3] + 2 * rx.pad - rx.taps + 1 };
        total += cv::dnn::total (shapes[i]);
      }
  // Tiles of several sizes share one buffer, as large as the largest.
  if (scratch_.total () < total)
    {
      scratch_.release ();
      scratch_.create (1, (int) total, CV_32F);
    }
  float *p = scratch_.ptr<float> ();
  const std::vector<cv::Mat> inputs { x };
  for (int i = 0; i < 4; i++)
    {
      outs_[i].release ();
      internals_[i].clear ();
      if (!live (i))
        continue;
      outs_[i] = cv::Mat (shapes[i], CV_32F, p);
      p += outs_[i].total ();
      std::vector<cv::dnn::MatShape> out_shapes, internal_shapes;
      convs_[i]->getMemoryShapes ({ in }, 1, out_shapes, internal_shapes);
      CV_Assert (out_shapes.size () == 1 && out_shapes[0] == shapes[i]);
      for (const cv::dnn::MatShape &s : internal_shapes)
        internals_[i].emplace_back (s, CV_32F);
      std::vector<cv::Mat> outputs { outs_[i] };
      convs_[i]->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
    }
  shape_ = in;
}

void
SplitDeconv::forward (const cv::Mat &x, cv::Mat &y)
{
  CV_Assert (x.type () == CV_32F && x.isContinuous () && y.type () == CV_32F && y.isContinuous ()
             && cv::dnn::shape (y) == output_shape (cv::dnn::shape (x)));
  prepare (x);

  const std::vector<cv::Mat> inputs { x };
  for (int i = 0; i < 4; i++)
    if (live (i))
      {
        std::vector<cv::Mat> outputs { outs_[i] };
        convs_[i]->forward (inputs, outputs, internals_[i]);
      }

  // Output row 2 n + qy: columns 2 m and 2 m + 1 from phases (qy, 0) and
  // (qy, 1), their rows n + skip, from column skip on.
  const int oh = y.size[2], ow = y.size[3];
  cv::parallel_for_ (cv::Range (0, cout_ * oh), [&] (const cv::Range &range) {
    for (int r = range.start; r < range.end; r++)
      {
        const int c = r / oh, row = r % oh, qy = row % 2, n = row / 2;
        float *dst = y.ptr<float> () + (size_t) r * ow;
        const float *src[2] = { nullptr, nullptr };
        for (int qx = 0; qx < 2; qx++)
          if (live (qy * 2 + qx))
            {
              const cv::Mat &phase = outs_[qy * 2 + qx];
              src[qx] = phase.ptr<float> (0, c, n + rows_[qy].skip) + cols_[qx].skip;
            }
        const int both = cols_[1].count;
        for (int m = 0; m < both; m++)
          {
            dst[2 * m] = src[0][m];
            dst[2 * m + 1] = src[1][m];
          }
        if (cols_[0].count > both)
          dst[2 * both] = src[0][both];
      }
  });
}

} // namespace ns
