// activation.hpp: the networks' last element-wise layers, tanh (Johnson's
// networks: 150 tanh (x) + 127.5 gives the pixels) and the logistic
// sigmoid (Magenta's), on whole vectors.
//
// OpenCV 4.6 computes both one value at a time with the C library's tanhf
// and expf: 2 % of wave's CPU time at 3 MP, 4 % of Magenta's layer time.
// Here exp () is the usual vector one: x = n ln 2 + r with |r| <= ln 2 / 2
// (ln 2 in two parts, so r is exact), e^r by its Taylor polynomial to r^7,
// times 2^n made in the exponent bits; then tanh (x) = sign (x) (1 - 2 /
// (e^2|x| + 1)) and sigmoid (x) = 1 / (1 + e^-x).  Within 1.5e-7 of both
// everywhere (absolute; tests/engine/test-activation.cpp), NaN in, NaN out.
#pragma once

#include "graph.hpp"

#include <cstddef>
#include <memory>

namespace ns {

enum class Activation
{
  kTanh,
  kSigmoid,
};

// y[i] = f (x[i]) for n values, one thread; y may be x.  On the
// instruction set the matrix product uses (gemm_isa (): AVX-512, AVX2 or
// plain C++).
void activate (Activation f, const float *x, size_t n, float *y);

// A kernel for an OpenCV TanH or Sigmoid layer, or null.
std::unique_ptr<Kernel> activation_kernel (const cv::dnn::Layer &layer);

} // namespace ns
