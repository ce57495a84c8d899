// activation.cpp: see activation.hpp.
#include "activation.hpp"

#include "gemm.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NS_ACTIVATION_X86 1
#endif

namespace ns {

namespace {

// W floats, and as many ints (GCC's vector extensions: the compiler makes
// each operation one instruction of the instruction set of the function
// it is inlined into).
template <int W>
struct Lanes
{
  typedef float F __attribute__ ((vector_size (4 * W)));
  typedef int I __attribute__ ((vector_size (4 * W)));
};

// x = e^x, x clamped to [-87, 88] (2^n then a normal float).  (Vectors
// by reference: as values they would be passed differently by each
// instruction set, which GCC warns about.)
template <class F, class I>
__attribute__ ((always_inline)) inline void
exp_lanes (F &x)
{
  const F zero = {};
  x = x < zero - 87.0f ? zero - 87.0f : x;
  x = x > zero + 88.0f ? zero + 88.0f : x;
  const F t = x * 1.44269504088896341f;
  const I n = __builtin_convertvector (t + (t >= zero ? zero + 0.5f : zero - 0.5f), I);
  const F nf = __builtin_convertvector (n, F);
  // ln 2 = 0.693359375 - 2.12194440e-4: n times the first part is exact.
  const F r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  F p = zero + (1.0f / 5040);
  p = p * r + (1.0f / 720);
  p = p * r + (1.0f / 120);
  p = p * r + (1.0f / 24);
  p = p * r + (1.0f / 6);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n: n + 127 in the exponent's bits (a cast between vectors of one
  // size keeps the bits).
  const F scale = (F) ((n + 127) << 23);
  x = p * scale;
}

// x = f (x).
template <int W>
__attribute__ ((always_inline)) inline void
apply_lanes (Activation f, typename Lanes<W>::F &x)
{
  typedef typename Lanes<W>::F F;
  typedef typename Lanes<W>::I I;
  const F zero = {};
  if (f == Activation::kSigmoid)
    {
      F e = -x;
      exp_lanes<F, I> (e);
      x = 1.0f / (e + 1.0f);
      return;
    }
  F e = x < zero ? -2.0f * x : 2.0f * x;
  exp_lanes<F, I> (e);
  const F t = 1.0f - 2.0f / (e + 1.0f);
  x = x < zero ? -t : t;
}

template <int W>
__attribute__ ((always_inline)) inline void
activate_lanes (Activation f, const float *x, size_t n, float *y)
{
  typedef typename Lanes<W>::F F;
  size_t i = 0;
  for (; i + W <= n; i += W)
    {
      F v;
      std::memcpy (&v, x + i, sizeof v);
      apply_lanes<W> (f, v);
      std::memcpy (y + i, &v, sizeof v);
    }
  if (i < n)
    {
      // The last values in a vector of their own (zeros past them).
      F v = {};
      std::memcpy (&v, x + i, (n - i) * sizeof (float));
      apply_lanes<W> (f, v);
      std::memcpy (y + i, &v, (n - i) * sizeof (float));
    }
}

#ifdef NS_ACTIVATION_X86
__attribute__ ((target ("avx512f"))) void
activate_avx512 (Activation f, const float *x, size_t n, float *y)
{
  activate_lanes<16> (f, x, n, y);
}

__attribute__ ((target ("avx2,fma"))) void
activate_avx2 (Activation f, const float *x, size_t n, float *y)
{
  activate_lanes<8> (f, x, n, y);
}
#endif

// What OpenCV's layers compute, one value at a time.
void
activate_generic (Activation f, const float *x, size_t n, float *y)
{
  for (size_t i = 0; i < n; i++)
    y[i] = f == Activation::kTanh ? std::tanh (x[i]) : 1.0f / (1.0f + std::exp (-x[i]));
}

class ActivationKernel : public Kernel
{
public:
  explicit ActivationKernel (Activation f) : f_ (f) {}

  cv::dnn::MatShape
  output_shape (const cv::dnn::MatShape &input) const override
  {
    return input;
  }

  void
  forward (const cv::Mat &x, cv::Mat &y) override
  {
    CV_Assert (x.isContinuous () && y.isContinuous () && x.total () == y.total ());
    const size_t n = x.total ();
    constexpr size_t kPiece = 1 << 16;
    const float *from = x.ptr<float> ();
    float *to = y.ptr<float> ();
    cv::parallel_for_ (cv::Range (0, (int) ((n + kPiece - 1) / kPiece)), [&] (const cv::Range &range) {
      const size_t begin = range.start * kPiece, end = std::min (n, range.end * kPiece);
      activate (f_, from + begin, end - begin, to + begin);
    });
  }

  bool
  in_place () const override
  {
    return true;
  }

  std::string
  describe () const override
  {
    return f_ == Activation::kTanh ? "engine tanh" : "engine sigmoid";
  }

private:
  Activation f_;
};

} // namespace

void
activate (Activation f, const float *x, size_t n, float *y)
{
#ifdef NS_ACTIVATION_X86
  const char *isa = gemm_isa ();
  if (std::strcmp (isa, "avx512") == 0)
    return activate_avx512 (f, x, n, y);
  if (std::strcmp (isa, "avx2") == 0)
    return activate_avx2 (f, x, n, y);
#endif
  activate_generic (f, x, n, y);
}

std::unique_ptr<Kernel>
activation_kernel (const cv::dnn::Layer &layer)
{
  if (layer.type == "TanH")
    return std::make_unique<ActivationKernel> (Activation::kTanh);
  if (layer.type == "Sigmoid")
    return std::make_unique<ActivationKernel> (Activation::kSigmoid);
  return nullptr;
}

} // namespace ns
