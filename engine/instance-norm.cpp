// instance-norm.cpp: see instance-norm.hpp for why this layer exists.
#include "instance-norm.hpp"

#include "gemm.hpp"

#include <opencv2/dnn/layer.details.hpp>
// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <cmath>
#include <cstring>
#include <mutex>

namespace ns {

void
ChannelSums::reset (int channels)
{
  sum.assign (channels, 0.0);
  sum_sq.assign (channels, 0.0);
  shift.assign (channels, 0.0f);
  shifted.assign (channels, 0);
  count = 0;
}

void
ChannelSums::mean_var (int channel, double &mean, double &var) const
{
  const double m = count > 0 ? sum[channel] / count : 0.0;
  mean = m + ((size_t) channel < shift.size () ? shift[channel] : 0.0f);
  var = count > 0 ? std::max (0.0, sum_sq[channel] / count - m * m) : 0.0;
}

void
NormContext::use_own_statistics ()
{
  fixed.clear ();
  stop_gathering ();
}

void
NormContext::start_gathering (int layer, const cv::Rect &core_rect, const cv::Size &input)
{
  gather = true;
  gather_only = false;
  gather_layer = layer;
  core = core_rect;
  input_size = input;
}

void
NormContext::start_gathering_only (int layer, const cv::Rect &core_rect, const cv::Size &input)
{
  start_gathering (layer, core_rect, input);
  gather_only = true;
}

void
NormContext::stop_gathering ()
{
  gather = false;
  gather_only = false;
}

std::vector<ChannelStats>
NormContext::gathered () const
{
  std::vector<ChannelStats> stats (sums.size ());
  for (size_t i = 0; i < sums.size (); i++)
    {
      const ChannelSums &s = sums[i];
      stats[i].mean.resize (s.sum.size ());
      stats[i].var.resize (s.sum.size ());
      for (size_t c = 0; c < s.sum.size (); c++)
        {
          double mean, var;
          s.mean_var ((int) c, mean, var);
          stats[i].mean[c] = (float) mean;
          stats[i].var[c] = (float) var;
        }
    }
  return stats;
}

void
NormContext::measure_scales (const cv::Size &input_a,
                             const std::vector<cv::Size> &planes_a,
                             const cv::Size &input_b)
{
  for (size_t k = 0; k < planes_a.size () && k < plane_sizes.size (); k++)
    {
      const cv::Size grown = plane_sizes[k] - planes_a[k];
      if (grown.width > 0 && grown.height > 0)
        input_per_plane[k] = cv::Point2d ((double) (input_b.width - input_a.width) / grown.width,
                                          (double) (input_b.height - input_a.height) / grown.height);
    }
}

namespace {

// One row range [begin, end) of a layer plane that corresponds to the
// range [begin, end) of the network input.
struct Span
{
  int begin;
  int end;
};

// Layers run at 1/2 or 1/4 resolution (`input_per_plane` 2 or 4).  A
// network that pads its input inside (Johnson's .t7 models reflect 40
// pixels) is centred on the input, and that padding belongs to the
// image's edges: a range that starts or ends there takes it in, as a
// whole-image pass would.
Span
map_span (int begin, int end, int input_len, int plane_len, double input_per_plane)
{
  const double f = input_per_plane > 0
                     ? input_per_plane
                     : std::max (1.0, std::round ((double) input_len / plane_len));
  const int offset = (int) std::lround ((plane_len - input_len / f) / 2);
  Span s = { begin <= 0 ? 0 : (int) std::lround (begin / f) + offset,
             end >= input_len ? plane_len : (int) std::lround (end / f) + offset };
  s.begin = std::clamp (s.begin, 0, plane_len);
  s.end = std::clamp (s.end, s.begin, plane_len);
  return s;
}

// Spread (standard deviation) below which a plane counts as constant:
// float32 sums of a few thousand terms carry about this much rounding,
// relative to the mean and absolute.  These networks' feature maps spread
// by 1 to 100 on any real picture.
constexpr double kFlat = 1e-5;
constexpr double kFlatFloor = 1e-3;

// The layer's two passes over a plane, in vectors of L floats: 4 (SSE,
// every x86-64) or 8 (AVX2, chosen at run time; the passes are memory
// bound, but their second reads the plane from cache).  The same numbers
// with either: no fused multiply-adds, and the sums keep 16 partial sums
// per row, each value going to the one of its offset modulo 16, added up
// in the same order.

template <int L> struct Floats;
template <> struct Floats<4>
{
  typedef float Vec __attribute__ ((vector_size (16)));
};
template <> struct Floats<8>
{
  typedef float Vec __attribute__ ((vector_size (32)));
};

// dst = a src + b (then max (0, dst) with `relu`, then + add[i] with
// `add`), n values; dst may be src.
template <int L>
inline __attribute__ ((always_inline)) void
affine_lanes (const float *src, size_t n, float a, float b, bool relu, const float *add, float *dst)
{
  typedef typename Floats<L>::Vec Vec;
  Vec va, vb;
  const Vec zero = {};
  for (int l = 0; l < L; l++)
    va[l] = a, vb[l] = b;
  size_t i = 0;
  for (; i + L <= n; i += L)
    {
      Vec v;
      memcpy (&v, src + i, sizeof v);
      v = va * v + vb;
      if (relu)
        v = v > zero ? v : zero;
      if (add)
        {
          Vec w;
          memcpy (&w, add + i, sizeof w);
          v += w;
        }
      memcpy (dst + i, &v, sizeof v);
    }
  for (; i < n; i++)
    {
      float v = a * src[i] + b;
      if (relu && !(v > 0.0f))
        v = 0.0f;
      dst[i] = add ? v + add[i] : v;
    }
}

// sum and sum_sq += the sums of (value - shift) and its squares over a
// region of a plane: in float vectors along each row (a row is at most a
// few thousand values) and in double over rows (summing one double at a
// time took 4 s of exact tiling's time at 24 MP).
template <int L>
inline __attribute__ ((always_inline)) void
add_region_lanes (const float *src, int width, Span rows, Span cols, float shift, double &sum,
                  double &sum_sq)
{
  typedef typename Floats<L>::Vec Vec;
  constexpr int kStep = 16, kVecs = kStep / L;
  const int n = cols.end - cols.begin;
  Vec base;
  for (int l = 0; l < L; l++)
    base[l] = shift;
  double s = 0, s2 = 0;
  for (int r = rows.begin; r < rows.end; r++)
    {
      const float *p = src + (size_t) r * width + cols.begin;
      Vec a[kVecs] = {}, a2[kVecs] = {};
      int c = 0;
      for (; c + kStep <= n; c += kStep)
#pragma GCC unroll 4
        for (int j = 0; j < kVecs; j++)
          {
            Vec v;
            memcpy (&v, p + c + L * j, sizeof v);
            v -= base;
            a[j] += v;
            a2[j] += v * v;
          }
      for (; c < n; c++)
        {
          const double v = (double) p[c] - shift;
          s += v;
          s2 += v * v;
        }
      for (int k = 0; k < kVecs; k++)
        for (int j = 0; j < L; j++)
          {
            s += a[k][j];
            s2 += a2[k][j];
          }
    }
  // Each channel is owned by one thread: no lock needed.
  sum += s;
  sum_sq += s2;
}

void
affine_sse (const float *src, size_t n, float a, float b, bool relu, const float *add, float *dst)
{
  affine_lanes<4> (src, n, a, b, relu, add, dst);
}

void
add_region_sse (const float *src, int width, Span rows, Span cols, float shift, double &sum, double &sum_sq)
{
  add_region_lanes<4> (src, width, rows, cols, shift, sum, sum_sq);
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
// "avx2" without "fma": a b + c stays two roundings, as with SSE.
__attribute__ ((target ("avx2"))) void
affine_avx2 (const float *src, size_t n, float a, float b, bool relu, const float *add, float *dst)
{
  affine_lanes<8> (src, n, a, b, relu, add, dst);
}

__attribute__ ((target ("avx2"))) void
add_region_avx2 (const float *src, int width, Span rows, Span cols, float shift, double &sum,
                 double &sum_sq)
{
  add_region_lanes<8> (src, width, rows, cols, shift, sum, sum_sq);
}
#else
constexpr auto affine_avx2 = affine_sse;
constexpr auto add_region_avx2 = add_region_sse;
#endif

// AVX2 where the matrix product uses AVX2 or AVX-512 (a test that makes it
// use the generic one gets SSE here too, as tap-sum.cpp's adds do; off
// x86 the product is always the generic one).
bool
avx2 ()
{
  return std::strcmp (gemm_isa (), "generic") != 0;
}

// The passes for that instruction set.
void
affine (const float *src, size_t n, float a, float b, bool relu, const float *add, float *dst)
{
  (avx2 () ? affine_avx2 : affine_sse) (src, n, a, b, relu, add, dst);
}

void
add_region (const float *src, int width, Span rows, Span cols, float shift, double &sum, double &sum_sq)
{
  (avx2 () ? add_region_avx2 : add_region_sse) (src, width, rows, cols, shift, sum, sum_sq);
}

class InstanceNormLayer : public cv::dnn::Layer
{
public:
  explicit InstanceNormLayer (const cv::dnn::LayerParams &params)
    : Layer (params)
  {
    eps_ = params.get<float> ("eps", params.get<float> ("epsilon", 1e-5f));
    normalize_variance_ = params.get<bool> ("normalize_variance", true);
    // Style networks normalize each channel on its own; statistics over all
    // channels (Caffe's MVN can ask for them) could not be shared by tiles.
    CV_Assert (!params.get<bool> ("across_channels", false));
    if (params.has ("ns_gamma"))
      {
        const cv::dnn::DictValue &g = params.get ("ns_gamma"), &b = params.get ("ns_beta");
        for (int i = 0; i < g.size (); i++)
          {
            gamma_.push_back ((float) g.get<double> (i));
            beta_.push_back ((float) b.get<double> (i));
          }
      }
  }

  void
  describe (cv::dnn::LayerParams &params) const
  {
    params.set ("eps", eps_);
    params.set ("normalize_variance", normalize_variance_);
    if (!gamma_.empty ())
      {
        const std::vector<double> g (gamma_.begin (), gamma_.end ()), b (beta_.begin (), beta_.end ());
        params.set ("ns_gamma", cv::dnn::DictValue::arrayReal (g.data (), (int) g.size ()));
        params.set ("ns_beta", cv::dnn::DictValue::arrayReal (b.data (), (int) b.size ()));
      }
  }

  static cv::Ptr<cv::dnn::Layer>
  create (cv::dnn::LayerParams &params)
  {
    return cv::makePtr<InstanceNormLayer> (params);
  }

  void
  set_affine (std::vector<float> gamma, std::vector<float> beta)
  {
    CV_Assert (gamma.size () == beta.size ());
    gamma_ = std::move (gamma);
    beta_ = std::move (beta);
  }

  void
  bind (NormContext *context, int index)
  {
    context_ = context;
    index_ = index;
  }

  bool
  getMemoryShapes (const std::vector<cv::dnn::MatShape> &inputs,
                   const int,
                   std::vector<cv::dnn::MatShape> &outputs,
                   std::vector<cv::dnn::MatShape> &) const override
  {
    outputs.assign (1, inputs[0]);
    return true; // works in place: saves one feature map of memory
  }

  void
  forward (cv::InputArrayOfArrays inputs_arr,
           cv::OutputArrayOfArrays outputs_arr,
           cv::OutputArrayOfArrays) override
  {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector (inputs);
    outputs_arr.getMatVector (outputs);
    run (inputs, outputs[0], nullptr);
  }

  // forward (), then `post` (if any) in the same pass, adding `addend`
  // with post->add.
  void
  run (const std::vector<cv::Mat> &inputs, cv::Mat &y, const NormPost *post, const cv::Mat &addend = cv::Mat ())
  {
    if (context_ && context_->tick)
      context_->tick (index_);

    // NCHW float
    const cv::Mat &x = inputs[0];
    const int n = x.size[0], channels = x.size[1];
    const float *gamma = inputs.size () > 1 ? inputs[1].ptr<float> () : nullptr;
    const float *beta = inputs.size () > 2 ? inputs[2].ptr<float> () : nullptr;
    if (!gamma_.empty ())
      {
        CV_Assert (gamma_.size () == (size_t) channels);
        gamma = gamma_.data ();
        beta = beta_.data ();
      }

    const int height = x.dims > 2 ? x.size[2] : 1;
    const int width = x.dims > 3 ? x.size[3] : 1;
    const size_t plane = (size_t) height * width;

    if (context_)
      context_->plane_sizes[index_] = cv::Size (width, height);

    const bool use_fixed = context_ && (size_t) index_ < context_->fixed.size ();
    ChannelSums *sums = nullptr;
    Span rows = { 0, height }, cols = { 0, width };
    if (context_ && context_->gather
        && (context_->gather_layer < 0 || context_->gather_layer == index_))
      {
        sums = &context_->sums[index_];
        if (sums->sum.size () != (size_t) channels)
          sums->reset (channels);
        const cv::Point2d scale = context_->input_per_plane[index_];
        rows = map_span (context_->core.y, context_->core.y + context_->core.height,
                         context_->input_size.height, height, scale.y);
        cols = map_span (context_->core.x, context_->core.x + context_->core.width,
                         context_->input_size.width, width, scale.x);
        sums->count += (double) (rows.end - rows.begin) * (cols.end - cols.begin);
      }
    const bool only_gather = sums && context_->gather_only;

    cv::parallel_for_ (cv::Range (0, n * channels), [&] (const cv::Range &range) {
      for (int nc = range.start; nc < range.end; nc++)
        {
          const int c = nc % channels;
          const float *src = x.ptr<float> () + nc * plane;
          float *dst = y.ptr<float> () + nc * plane;
          if (sums && !sums->shifted[c] && rows.end > rows.begin && cols.end > cols.begin)
            {
              sums->shift[c] = src[(size_t) rows.begin * width + cols.begin];
              sums->shifted[c] = 1;
            }
          if (only_gather)
            {
              add_region (src, width, rows, cols, sums->shift[c], sums->sum[c], sums->sum_sq[c]);
              continue;
            }

          double mean, var;
          if (use_fixed)
            {
              mean = context_->fixed[index_].mean[c];
              var = context_->fixed[index_].var[c];
            }
          else
            plane_mean_var (src, plane, mean, var);

          if (sums)
            add_region (src, width, rows, cols, sums->shift[c], sums->sum[c], sums->sum_sq[c]);

          // A plane whose spread is within float rounding of its mean is
          // constant (a one-pixel image, a flat photo): normalizing would
          // blow rounding up by 1 / sqrt (eps), and differently for each
          // exact way of computing the layer before (Winograd against
          // direct).  Shared statistics are the whole image's: a plane
          // flat over the whole image is flat in every tile, as in one
          // pass.
          const double spread = kFlat * std::abs (mean) + kFlatFloor;
          const bool flat = var <= spread * spread;
          const double inv_std = flat ? 0.0 : normalize_variance_ ? 1.0 / std::sqrt (var + eps_) : 1.0;
          float a = (float) (inv_std * (gamma ? gamma[c] : 1.0f));
          float b = (float) ((beta ? beta[c] : 0.0f) - mean * a);
          if (post && !post->scale.empty ())
            {
              b = post->scale[c] * b + post->shift[c];
              a = post->scale[c] * a;
            }
          const float *add = post && post->add ? addend.ptr<float> () + nc * plane : nullptr;
          affine (src, plane, a, b, post && post->relu, add, dst);
        }
    });
  }

private:
  static void
  plane_mean_var (const float *src, size_t len, double &mean, double &var)
  {
    cv::Scalar m, sd;
    cv::meanStdDev (cv::Mat (1, (int) len, CV_32F, const_cast<float *> (src)), m, sd);
    mean = m[0];
    var = sd[0] * sd[0];
  }

  float eps_;
  bool normalize_variance_;
  std::vector<float> gamma_; // set_instance_norm_affine's, else none
  std::vector<float> beta_;
  NormContext *context_ = nullptr;
  int index_ = 0;
};

} // namespace

void
register_instance_norm_layer ()
{
  static std::once_flag once;
  std::call_once (once, [] {
    cv::dnn::LayerFactory::registerLayer ("MVN", InstanceNormLayer::create);
    cv::dnn::LayerFactory::registerLayer ("InstanceNormalization", InstanceNormLayer::create);
  });
}

void
set_instance_norm_affine (cv::dnn::Net &net, const std::string &name,
                          std::vector<float> gamma, std::vector<float> beta)
{
  cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (name));
  auto *norm = dynamic_cast<InstanceNormLayer *> (layer.get ());
  CV_Assert (norm != nullptr);
  norm->set_affine (std::move (gamma), std::move (beta));
}

bool
instance_norm_params (const cv::Ptr<cv::dnn::Layer> &layer, cv::dnn::LayerParams &params)
{
  auto *norm = dynamic_cast<InstanceNormLayer *> (layer.get ());
  if (norm)
    norm->describe (params);
  return norm != nullptr;
}

namespace {

// `layer`'s output for `inputs` (1 x C x 1 x 2 probes), measured by running
// it; empty when it refuses them or makes something of another shape.
cv::Mat
probe_output (cv::dnn::Layer &layer, const std::vector<cv::Mat> &inputs)
{
  std::vector<cv::Mat> outputs { cv::Mat (inputs[0].dims, inputs[0].size.p, CV_32F) }, internals;
  try
    {
      layer.finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
      layer.forward (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs),
                     cv::OutputArrayOfArrays (internals));
    }
  catch (const cv::Exception &)
    {
      return cv::Mat ();
    }
  if (outputs[0].total () != inputs[0].total () || outputs[0].type () != CV_32F)
    return cv::Mat ();
  return outputs[0];
}

} // namespace

bool
fold_into_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, cv::dnn::Layer &next, int channels,
                         NormPost &post)
{
  if (!dynamic_cast<InstanceNormLayer *> (norm.get ()) || channels <= 0 || post.add
      || (!post.scale.empty () && (int) post.scale.size () != channels))
    return false;
  if (auto *relu = dynamic_cast<cv::dnn::ReLULayer *> (&next))
    {
      if (relu->negativeSlope != 0.0f)
        return false;
      post.relu = true;
      return true;
    }
  // A batch normalization (ONNX's InstanceNormalization as OpenCV imports
  // it) or a scale with one value per channel (ml5's affine).
  if ((next.type != "BatchNorm" && next.type != "Scale") || post.relu || next.blobs.empty ()
      || (int) next.blobs[0].total () != channels)
    return false;
  // Its scale and shift, measured: what it makes of 0 and 1 (OpenCV's
  // versions keep them in different blobs, and getScaleShift () gives
  // none before a forward pass).
  const int sizes[] = { 1, channels, 1, 2 };
  cv::Mat in (4, sizes, CV_32F);
  for (int c = 0; c < channels; c++)
    {
      in.ptr<float> (0, c)[0] = 0.0f;
      in.ptr<float> (0, c)[1] = 1.0f;
    }
  const cv::Mat out = probe_output (next, { in });
  if (out.empty ())
    return false; // not per channel after all: it stays a layer
  if (post.scale.empty ())
    {
      post.scale.assign (channels, 1.0f);
      post.shift.assign (channels, 0.0f);
    }
  // s2 (s1 y + t1) + t2.
  for (int c = 0; c < channels; c++)
    {
      const float t = out.ptr<float> (0, c)[0], s = out.ptr<float> (0, c)[1] - t;
      post.shift[c] = s * post.shift[c] + t;
      post.scale[c] *= s;
    }
  return true;
}

bool
fold_sum_into_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, cv::dnn::Layer &sum, int channels,
                             NormPost &post)
{
  // Eltwise, or OpenCV 4.10's NaryEltwise (its ONNX importer's Add).
  if (!dynamic_cast<InstanceNormLayer *> (norm.get ()) || channels <= 0 || post.add
      || (sum.type != "Eltwise" && sum.type != "NaryEltwise"))
    return false;
  // Whether it adds, measured: OpenCV's Eltwise also multiplies, takes
  // the maximum and weighs its inputs.
  const int sizes[] = { 1, channels, 1, 2 };
  cv::Mat a (4, sizes, CV_32F), b (4, sizes, CV_32F);
  cv::randu (a, -2, 2);
  cv::randu (b, -2, 2);
  const cv::Mat out = probe_output (sum, { a, b });
  if (out.empty () || cv::norm (out, a + b, cv::NORM_INF) != 0.0)
    return false;
  post.add = true;
  return true;
}

void
run_instance_norm (const cv::Ptr<cv::dnn::Layer> &norm, const std::vector<cv::Mat> &inputs, cv::Mat &y,
                   const NormPost &post, const cv::Mat &addend)
{
  auto *layer = dynamic_cast<InstanceNormLayer *> (norm.get ());
  CV_Assert (layer != nullptr && !inputs.empty ());
  CV_Assert (!post.add
             || (addend.type () == CV_32F && addend.isContinuous () && addend.total () == inputs[0].total ()));
  layer->run (inputs, y, &post, addend);
}

void
bind_instance_norm_layer (cv::dnn::Net &net, const std::string &name, NormContext *context,
                          int index)
{
  cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (name));
  auto *norm = dynamic_cast<InstanceNormLayer *> (layer.get ());
  CV_Assert (norm != nullptr);
  norm->bind (context, index);
}

std::vector<std::string>
bind_instance_norm_layers (cv::dnn::Net &net, NormContext *context)
{
  std::vector<std::string> names;
  for (const std::string &name : net.getLayerNames ())
    {
      cv::Ptr<cv::dnn::Layer> layer = net.getLayer (net.getLayerId (name));
      auto *norm = dynamic_cast<InstanceNormLayer *> (layer.get ());
      if (!norm)
        continue;
      norm->bind (context, (int) names.size ());
      names.push_back (name);
    }
  context->sums.assign (names.size (), ChannelSums ());
  context->plane_sizes.assign (names.size (), cv::Size ());
  context->input_per_plane.assign (names.size (), cv::Point2d ());
  return names;
}

} // namespace ns
