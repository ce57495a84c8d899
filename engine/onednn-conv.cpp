// onednn-conv.cpp: see onednn-conv.hpp.
#include "onednn-conv.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

#include <oneapi/dnnl/dnnl.hpp>

#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP && defined(_OPENMP)
#include <omp.h>
#endif

namespace ns {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// One CPU engine for the process (a function-local static: thread-safe
// initialization); a stream per thread, as oneDNN streams are not meant to
// be shared between threads.
dnnl::engine &
cpu_engine ()
{
  static dnnl::engine engine (dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &
thread_stream ()
{
  thread_local dnnl::stream stream (cpu_engine ());
  return stream;
}

memory::dims
dims_of (const cv::dnn::MatShape &shape)
{
  return memory::dims (shape.begin (), shape.end ());
}

// oneDNN's convolution descriptor: its construction differs between the
// 2.x API (an operation descriptor first) and 3.x (which dropped those).
dnnl::convolution_forward::primitive_desc
convolution_pd (dnnl::algorithm algorithm, const memory::desc &src, const memory::desc &weights,
                const memory::desc &bias, const memory::desc &dst, const memory::dims &strides,
                const memory::dims &pad_l, const memory::dims &pad_r)
{
#if DNNL_VERSION_MAJOR >= 3
  return dnnl::convolution_forward::primitive_desc (cpu_engine (),
                                                    dnnl::prop_kind::forward_inference, algorithm,
                                                    src, weights, bias, dst, strides, pad_l, pad_r);
#else
  const dnnl::convolution_forward::desc desc (dnnl::prop_kind::forward_inference, algorithm, src,
                                              weights, bias, dst, strides, pad_l, pad_r);
  return dnnl::convolution_forward::primitive_desc (desc, cpu_engine ());
#endif
}

} // namespace

// Scratch buffer `which` (0: input, 1: output) of the calling thread, of
// at least `bytes`; it only grows.  64-byte aligned, as cv::Mat is.
void *
shared_buffer (int which, size_t bytes)
{
  thread_local cv::Mat buffers[2];
  cv::Mat &b = buffers[which];
  if (b.total () < bytes)
    b.create (1, (int) std::max<size_t> (bytes, 1), CV_8U);
  return b.data;
}

struct OneDnnConvolution::Prepared
{
  cv::dnn::MatShape shape;
  std::string impl;
  size_t scratch_bytes = 0;
  dnnl::convolution_forward conv;
  // The primitive's own src, weights, bias and dst; `user_src` and
  // `user_dst` wrap the caller's NCHW buffers (set on each forward).  When
  // the primitive's layouts are not NCHW, the reorders convert.
  memory src, weights, bias, dst, user_src, user_dst;
  bool reorder_src = false, reorder_dst = false;
  dnnl::reorder to_src, from_dst;
};

OneDnnConvolution::OneDnnConvolution (const cv::Mat &weights, const cv::Mat &bias,
                                      const cv::Vec2i &stride, const cv::Vec4i &pads)
    : weights_ (weights.clone ()), stride_ (stride), pads_ (pads),
      algorithm_ (Algorithm::prefer_winograd), blocked_ (true)
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F);
  CV_Assert (stride[0] >= 1 && stride[1] >= 1);
  CV_Assert (pads[0] >= 0 && pads[1] >= 0 && pads[2] >= 0 && pads[3] >= 0);
  // Always a bias: one primitive form for both oneDNN APIs.
  bias_ = bias.empty () ? cv::Mat::zeros (1, weights.size[0], CV_32F)
                        : bias.reshape (1, 1).clone ();
  CV_Assert (bias_.type () == CV_32F && (int) bias_.total () == weights.size[0]);
}

OneDnnConvolution::~OneDnnConvolution () = default;

void
OneDnnConvolution::set_choice (Algorithm algorithm, bool blocked_layouts)
{
  algorithm_ = algorithm;
  blocked_ = blocked_layouts;
  prepared_.reset ();
}

std::string
OneDnnConvolution::implementation () const
{
  return prepared_ ? prepared_->impl : std::string ();
}

size_t
OneDnnConvolution::scratch_bytes () const
{
  return prepared_ ? prepared_->scratch_bytes : 0;
}

cv::dnn::MatShape
OneDnnConvolution::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1);
  const int h = in[2] + pads_[0] + pads_[2] - weights_.size[2];
  const int w = in[3] + pads_[1] + pads_[3] - weights_.size[3];
  CV_Assert (h >= 0 && w >= 0);
  return { 1, weights_.size[0], h / stride_[0] + 1, w / stride_[1] + 1 };
}

void
OneDnnConvolution::prepare (const cv::dnn::MatShape &input)
{
  auto p = std::make_unique<Prepared> ();
  p->shape = input;
  dnnl::engine &engine = cpu_engine ();
  const memory::dims src_dims = dims_of (input), dst_dims = dims_of (output_shape (input));
  const memory::dims w_dims { weights_.size[0], weights_.size[1], weights_.size[2],
                              weights_.size[3] };
  const memory::desc user_src (src_dims, dt::f32, tag::nchw), user_dst (dst_dims, dt::f32, tag::nchw),
    user_w (w_dims, dt::f32, tag::oihw), bias (memory::dims { weights_.size[0] }, dt::f32, tag::x);
  const tag io = blocked_ ? tag::any : tag::nchw;
  const memory::desc src (src_dims, dt::f32, io), dst (dst_dims, dt::f32, io),
    w (w_dims, dt::f32, tag::any);
  const memory::dims strides { stride_[0], stride_[1] }, pad_l { pads_[0], pads_[1] },
    pad_r { pads_[2], pads_[3] };

  std::unique_ptr<dnnl::convolution_forward::primitive_desc> pd;
  if (algorithm_ == Algorithm::prefer_winograd)
    try
      {
        pd.reset (new dnnl::convolution_forward::primitive_desc (convolution_pd (
          dnnl::algorithm::convolution_winograd, src, w, bias, dst, strides, pad_l, pad_r)));
      }
    catch (const dnnl::error &)
      {
        // No Winograd kernel for this shape or CPU.
      }
  if (!pd)
    pd.reset (new dnnl::convolution_forward::primitive_desc (convolution_pd (
      dnnl::algorithm::convolution_auto, src, w, bias, dst, strides, pad_l, pad_r)));

  p->impl = pd->impl_info_str ();
  p->conv = dnnl::convolution_forward (*pd);
  p->user_src = memory (user_src, engine, DNNL_MEMORY_NONE);
  p->user_dst = memory (user_dst, engine, DNNL_MEMORY_NONE);
  p->reorder_src = pd->src_desc () != user_src;
  p->reorder_dst = pd->dst_desc () != user_dst;
  // The converted input and output live in buffers all convolutions of
  // the thread share (set on each forward): one layer's worth, not one
  // per layer.
  p->src = p->reorder_src ? memory (pd->src_desc (), engine, DNNL_MEMORY_NONE) : p->user_src;
  p->dst = p->reorder_dst ? memory (pd->dst_desc (), engine, DNNL_MEMORY_NONE) : p->user_dst;
  if (p->reorder_src)
    p->to_src = dnnl::reorder (p->user_src, p->src);
  if (p->reorder_dst)
    p->from_dst = dnnl::reorder (p->dst, p->user_dst);
  p->bias = memory (bias, engine, bias_.data);
  p->scratch_bytes = (p->reorder_src ? pd->src_desc ().get_size () : 0)
                     + (p->reorder_dst ? pd->dst_desc ().get_size () : 0);

  // The weights in the primitive's layout, once per shape.
  memory weights (user_w, engine, weights_.data);
  p->weights = memory (pd->weights_desc (), engine);
  dnnl::stream &stream = thread_stream ();
  dnnl::reorder (weights, p->weights).execute (stream, weights, p->weights);
  stream.wait ();
  prepared_ = std::move (p);
}

void
OneDnnConvolution::forward (const cv::Mat &x, cv::Mat &y)
{
  const cv::dnn::MatShape shape = shape_of (x);
  if (x.type () != CV_32F || x.dims != 4 || x.size[1] != weights_.size[1] || !x.isContinuous ())
    CV_Error (cv::Error::StsBadArg, "oneDNN convolution: input is not 1 x C x H x W float");
  CV_Assert (y.type () == CV_32F && y.isContinuous () && shape_of (y) == output_shape (shape));
  if (!prepared_ || prepared_->shape != shape)
    prepare (shape);

#if DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP && defined(_OPENMP)
  // oneDNN runs on OpenMP's threads, OpenCV on its own pool: at most as
  // many as OpenCV uses (set per calling thread).
  omp_set_num_threads (std::max (1, cv::getNumThreads ()));
#endif

  Prepared &p = *prepared_;
  dnnl::stream &stream = thread_stream ();
  p.user_src.set_data_handle (const_cast<uchar *> (x.data));
  p.user_dst.set_data_handle (y.data);
  if (p.reorder_src)
    p.src.set_data_handle (shared_buffer (0, p.src.get_desc ().get_size ()));
  if (p.reorder_dst)
    p.dst.set_data_handle (shared_buffer (1, p.dst.get_desc ().get_size ()));
  if (p.reorder_src)
    p.to_src.execute (stream, p.user_src, p.src);
  p.conv.execute (stream, { { DNNL_ARG_SRC, p.src },
                            { DNNL_ARG_WEIGHTS, p.weights },
                            { DNNL_ARG_BIAS, p.bias },
                            { DNNL_ARG_DST, p.dst } });
  if (p.reorder_dst)
    p.from_dst.execute (stream, p.dst, p.user_dst);
  stream.wait ();
}

std::unique_ptr<Kernel>
onednn_convolution (const cv::Ptr<cv::dnn::Layer> &layer)
{
  const auto *c = dynamic_cast<const cv::dnn::BaseConvolutionLayer *> (layer.get ());
  if (!c || layer->type != "Convolution" || !c->padMode.empty () || layer->blobs.empty ()
      || layer->blobs.size () > 2)
    return nullptr;
  const cv::Mat &w = layer->blobs[0];
  if (w.dims != 4 || w.type () != CV_32F || c->kernel_size.size () != 2
      || (int) c->kernel_size[0] != w.size[2] || (int) c->kernel_size[1] != w.size[3]
      || c->strides.size () != 2 || c->pads_begin.size () != 2 || c->pads_end.size () != 2)
    return nullptr;
  for (size_t d : c->dilations)
    if (d != 1)
      return nullptr;
  cv::Mat bias;
  if (layer->blobs.size () == 2)
    {
      bias = layer->blobs[1];
      if (bias.type () != CV_32F || (int) bias.total () != w.size[0])
        return nullptr;
    }
  return std::make_unique<OneDnnConvolution> (
    w, bias, cv::Vec2i ((int) c->strides[0], (int) c->strides[1]),
    cv::Vec4i ((int) c->pads_begin[0], (int) c->pads_begin[1], (int) c->pads_end[0],
               (int) c->pads_end[1]));
}

} // namespace ns
