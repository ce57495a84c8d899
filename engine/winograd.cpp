// winograd.cpp: see winograd.hpp.
#include "winograd.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ns {

namespace {

// F(4x4,3x3) at the points 0, 1, -1, 2, -2 and infinity (Lavin & Gray):
// the small integer points keep the float error near that of the direct
// sum (the tests measure > 100 dB against OpenCV's own layer).
//   B^T (6x6): input tile d -> B^T d B
//   G   (6x3): weights g -> G g G^T
//   A^T (4x6): products m -> A^T m A
constexpr float kG[6][3] = {
  { 1.0f / 4, 0, 0 },
  { -1.0f / 6, -1.0f / 6, -1.0f / 6 },
  { -1.0f / 6, 1.0f / 6, -1.0f / 6 },
  { 1.0f / 24, 1.0f / 12, 1.0f / 6 },
  { 1.0f / 24, -1.0f / 12, 1.0f / 6 },
  { 0, 0, 1 },
};

// Tiles per band (rounded up to whole tile rows).  Measured at 128
// channels, 512x384: from 512 tiles up to the whole image in one band the
// time is the same (within noise, 3-5 %); 128 tiles are 5 % slower.
constexpr int kBandTiles = 512;

// The inputs scratch_bytes_per_pixel () holds for: at least 256x256.
constexpr double kMinPixels = 256.0 * 256.0;

// Tile rows per band.
int
band_rows (int tiles_y, int tiles_x)
{
  return std::min (tiles_y, std::max (1, (kBandTiles + tiles_x - 1) / tiles_x));
}

// Four floats, one operation each (GCC/Clang vector extension): the
// transforms run on four tiles at a time.  -O2 does not vectorize the
// loops by itself.
typedef float Floats __attribute__ ((vector_size (16)));
constexpr int kLanes = 4;

template <typename T>
inline T
load (const float *p)
{
  T v;
  memcpy (&v, p, sizeof v);
  return v;
}

template <typename T>
inline void
store (float *p, const T &v)
{
  memcpy (p, &v, sizeof v);
}

// B^T applied to six values s (0) .. s (5).
template <typename T, typename In>
inline void
input_1d (const In &s, T out[6])
{
  out[0] = 4.0f * s (0) - 5.0f * s (2) + s (4);
  out[1] = -4.0f * (s (1) + s (2)) + s (3) + s (4);
  out[2] = 4.0f * (s (1) - s (2)) - s (3) + s (4);
  out[3] = 2.0f * (s (3) - s (1)) + s (4) - s (2);
  out[4] = 2.0f * (s (1) - s (3)) + s (4) - s (2);
  out[5] = 4.0f * s (1) - 5.0f * s (3) + s (5);
}

// A^T applied to six values.
template <typename T, typename In>
inline void
output_1d (const In &s, T out[4])
{
  const T a = s (1) + s (2), b = s (1) - s (2), c = s (3) + s (4), d = s (3) - s (4);
  out[0] = s (0) + a + c;
  out[1] = b + 2.0f * d;
  out[2] = a + 4.0f * c;
  out[3] = b + 8.0f * d + s (5);
}

// B^T d B for the tiles tx .. tx + lanes (T) - 1 of a tile row: `phases`
// holds the row's six input rows, each split into four phases (column
// 4 t + q at phases[(k * 4 + q) * stride + t]).  Written to dst[k * group + tx].
template <typename T>
inline void
input_tiles (const float *phases, size_t stride, int tx, float *dst, size_t group)
{
  T vertical[6][6]; // [row of B^T d][input column 4 tx + j]
  for (int j = 0; j < 6; j++)
    {
      const size_t at = (size_t) (j % 4) * stride + tx + j / 4;
      input_1d<T> ([&] (int k) { return load<T> (phases + 4 * k * stride + at); }, vertical[j]);
    }
  for (int i = 0; i < 6; i++)
    {
      T t[6];
      input_1d<T> ([&] (int j) { return vertical[j][i]; }, t);
      for (int j = 0; j < 6; j++)
        store (dst + (i * 6 + j) * group + tx, t[j]);
    }
}

// A^T m A for the tiles tx .. of a tile row: m at src[k * group + tx],
// the 16 outputs to out[(i * 4 + j) * stride + tx].
template <typename T>
inline void
output_tiles (const float *src, size_t group, int tx, float *out, size_t stride)
{
  T t[6][4]; // [column of m][row of A^T m]
  for (int j = 0; j < 6; j++)
    output_1d<T> ([&] (int k) { return load<T> (src + (k * 6 + j) * group + tx); }, t[j]);
  for (int i = 0; i < 4; i++)
    {
      T u[4];
      output_1d<T> ([&] (int j) { return t[j][i]; }, u);
      for (int j = 0; j < 4; j++)
        store (out + (i * 4 + j) * stride + tx, u[j]);
    }
}

// dst[4 t + j] = src[j * stride + t] for the w values of an output row:
// the four output phases of a row of tiles, interleaved.
inline void
interleave (const float *src, size_t stride, int w, float *dst)
{
  int t = 0;
  for (; 4 * t + 4 <= w; t++)
    for (int j = 0; j < 4; j++)
      dst[4 * t + j] = src[j * stride + t];
  for (int j = 0; 4 * t + j < w; j++)
    dst[4 * t + j] = src[j * stride + t];
}

// A 1 x channels x rows x tiles_x blob on `buffer`, grown when needed:
// kept across bands and calls, whose shapes alternate (the last band is
// smaller), so that its pages are not freed and faulted in again.
cv::Mat
band_mat (cv::Mat &buffer, int channels, int rows, int tiles_x)
{
  const size_t n = (size_t) channels * rows * tiles_x;
  if (buffer.total () < n)
    buffer.create (1, (int) n, CV_32F);
  const int sizes[] = { 1, channels, rows, tiles_x };
  return cv::Mat (4, sizes, CV_32F, buffer.ptr<float> ());
}

// The calling thread's band buffers (0: transformed input, 1: products),
// shared by every Winograd convolution: a network has ten of them, and
// only one runs at a time.
cv::Mat &
shared_buffer (int which)
{
  thread_local cv::Mat buffers[2];
  return buffers[which];
}

} // namespace

Winograd3x3::Winograd3x3 (const cv::Mat &weights, const cv::Mat &bias, int pad)
  : in_channels_ (weights.size[1]), out_channels_ (weights.size[0]), pad_ (pad)
{
  CV_Assert (weights.dims == 4 && weights.type () == CV_32F && weights.size[2] == 3
             && weights.size[3] == 3 && weights.isContinuous ());
  CV_Assert (pad == 0 || pad == 1);
  CV_Assert (bias.empty () || (bias.type () == CV_32F && (int) bias.total () == out_channels_));
  const int c = in_channels_, o = out_channels_;
  bias_.assign (o, 0.0f);
  if (!bias.empty ())
    std::copy_n (bias.ptr<float> (), o, bias_.begin ());

  // Group k (tile position k of 36) maps input channels k C .. k C + C - 1
  // to outputs k O .. k O + O - 1 with (G g G^T)[k] of each weight.
  const int sizes[] = { 36 * o, c, 1, 1 };
  cv::Mat u (4, sizes, CV_32F);
  for (int oc = 0; oc < o; oc++)
    for (int ic = 0; ic < c; ic++)
      {
        const float *g = weights.ptr<float> () + ((size_t) oc * c + ic) * 9;
        float gg[6][3]; // G g
        for (int i = 0; i < 6; i++)
          for (int j = 0; j < 3; j++)
            gg[i][j] = kG[i][0] * g[j] + kG[i][1] * g[3 + j] + kG[i][2] * g[6 + j];
        for (int i = 0; i < 6; i++)
          for (int j = 0; j < 6; j++)
            u.ptr<float> ()[((size_t) (i * 6 + j) * o + oc) * c + ic]
              = gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2];
      }

  for (int k = 0; k < 36; k++)
    products_.emplace_back (u.ptr<float> () + (size_t) k * o * c, o, c, c);
}

cv::dnn::MatShape
Winograd3x3::output_shape (const cv::dnn::MatShape &in) const
{
  CV_Assert (in.size () == 4 && in[0] == 1 && in[1] == in_channels_);
  const int h = in[2] + 2 * pad_ - 2, w = in[3] + 2 * pad_ - 2;
  CV_Assert (h > 0 && w > 0);
  return { 1, out_channels_, h, w };
}

double
Winograd3x3::scratch_bytes (const cv::dnn::MatShape &in) const
{
  const cv::dnn::MatShape out = output_shape (in);
  const int tiles_y = (out[2] + 3) / 4, tiles_x = (out[3] + 3) / 4;
  // The band's transformed input and products, 36 (C + O) floats a tile.
  return 36.0 * (in_channels_ + out_channels_) * sizeof (float) * tiles_x
         * band_rows (tiles_y, tiles_x);
}

double
Winograd3x3::scratch_bytes_per_pixel () const
{
  // A band has fewer than 2 kBandTiles tiles, spread over at least
  // kMinPixels input pixels.
  return 36.0 * (in_channels_ + out_channels_) * sizeof (float) * 2 * kBandTiles / kMinPixels;
}

void
Winograd3x3::forward (const cv::Mat &x, cv::Mat &y)
{
  run (x, y, nullptr);
}

void
Winograd3x3::forward_affine_relu (const cv::Mat &x, cv::Mat &y, const cv::Mat &scale,
                                  const cv::Mat &shift)
{
  CV_Assert (scale.type () == CV_32F && (int) scale.total () == out_channels_
             && scale.isContinuous ());
  CV_Assert (shift.type () == CV_32F && (int) shift.total () == out_channels_
             && shift.isContinuous ());
  const Affine affine { scale.ptr<float> (), shift.ptr<float> () };
  run (x, y, &affine);
}

void
Winograd3x3::run (const cv::Mat &x, cv::Mat &y, const Affine *affine)
{
  CV_Assert (x.type () == CV_32F && y.type () == CV_32F && x.isContinuous ()
             && y.isContinuous ());
  const cv::dnn::MatShape out = output_shape (cv::dnn::shape (x));
  CV_Assert (cv::dnn::shape (y) == out);
  const int tiles_y = (out[2] + 3) / 4, tiles_x = (out[3] + 3) / 4;
  const int band = band_rows (tiles_y, tiles_x);
  for (int ty0 = 0; ty0 < tiles_y; ty0 += band)
    {
      const int rows = std::min (band, tiles_y - ty0);
      transform_input (x, ty0, rows, tiles_x);
      multiply (rows, tiles_x);
      transform_output (y, ty0, rows, tiles_x, affine);
    }
}

void
Winograd3x3::transform_input (const cv::Mat &x, int ty0, int rows, int tiles_x)
{
  const int c = in_channels_, h = x.size[2], w = x.size[3];
  v_ = band_mat (shared_buffer (0), 36 * c, rows, tiles_x);
  const size_t plane = (size_t) rows * tiles_x;
  // Each input row split into four phases of tiles_x + 1 columns (plus
  // room for a full vector past the end).
  const size_t stride = tiles_x + kLanes;

  cv::parallel_for_ (cv::Range (0, c * rows), [&] (const cv::Range &range) {
    std::vector<float> phases (24 * stride), tiles (36 * (size_t) tiles_x);
    for (int i = range.start; i < range.end; i++)
      {
        const int ch = i / rows, r = i % rows;
        const float *src = x.ptr<float> () + (size_t) ch * h * w;
        // The tile row's six input rows, zero outside the image.
        std::fill (phases.begin (), phases.end (), 0.0f);
        for (int k = 0; k < 6; k++)
          {
            const int sy = 4 * (ty0 + r) + k - pad_;
            if (sy < 0 || sy >= h)
              continue;
            const float *row = src + (size_t) sy * w - pad_; // row[col], col = 4 t + q
            for (int q = 0; q < 4; q++)
              {
                float *phase = &phases[(k * 4 + q) * stride];
                for (int t = q < pad_ ? 1 : 0, col = 4 * t + q; col < w + pad_; t++, col += 4)
                  phase[t] = row[col];
              }
          }
        // The 36 planes are far apart (often a power of two): written in
        // place, the tiles' stores would fight over the same cache sets.
        int tx = 0;
        for (; tx + kLanes <= tiles_x; tx += kLanes)
          input_tiles<Floats> (phases.data (), stride, tx, tiles.data (), tiles_x);
        for (; tx < tiles_x; tx++)
          input_tiles<float> (phases.data (), stride, tx, tiles.data (), tiles_x);
        float *dst = v_.ptr<float> () + (size_t) ch * plane + (size_t) r * tiles_x;
        for (int k = 0; k < 36; k++)
          std::copy_n (&tiles[(size_t) k * tiles_x], tiles_x, dst + k * (size_t) c * plane);
      }
  });
}

void
Winograd3x3::multiply (int rows, int tiles_x)
{
  m_ = band_mat (shared_buffer (1), 36 * out_channels_, rows, tiles_x);
  const int c = in_channels_, o = out_channels_, n = rows * tiles_x;
  // Tasks of kChunk columns of one of the 36 products.
  constexpr int kChunk = 128;
  const int chunks = (n + kChunk - 1) / kChunk;
  const float *v = v_.ptr<float> ();
  float *m = m_.ptr<float> ();
  cv::parallel_for_ (cv::Range (0, 36 * chunks), [&] (const cv::Range &range) {
    for (int t = range.start; t < range.end; t++)
      {
        const int k = t / chunks, j = t % chunks * kChunk;
        products_[k].multiply (v + ((size_t) k * c * n + j), n, std::min (kChunk, n - j),
                               m + ((size_t) k * o * n + j), n);
      }
  });
}

void
Winograd3x3::transform_output (cv::Mat &y, int ty0, int rows, int tiles_x, const Affine *affine)
{
  const int o = out_channels_, h = y.size[2], w = y.size[3];
  const size_t plane = (size_t) rows * tiles_x;

  cv::parallel_for_ (cv::Range (0, o * rows), [&] (const cv::Range &range) {
    std::vector<float> tiles (36 * (size_t) tiles_x), buffer (16 * (size_t) tiles_x);
    for (int i = range.start; i < range.end; i++)
      {
        const int oc = i / rows, r = i % rows;
        // Gathered first, as the input transform's planes are scattered last.
        const float *src = m_.ptr<float> () + (size_t) oc * plane + (size_t) r * tiles_x;
        for (int k = 0; k < 36; k++)
          std::copy_n (src + k * (size_t) o * plane, tiles_x, &tiles[(size_t) k * tiles_x]);
        int tx = 0;
        for (; tx + kLanes <= tiles_x; tx += kLanes)
          output_tiles<Floats> (tiles.data (), tiles_x, tx, buffer.data (), tiles_x);
        for (; tx < tiles_x; tx++)
          output_tiles<float> (tiles.data (), tiles_x, tx, buffer.data (), tiles_x);
        // Bias (and affine + ReLU) on the contiguous planes, where it
        // vectorizes; then into the output rows, cropped at the right and
        // bottom edges.
        const float b = bias_[oc];
        const Floats zero = {};
        for (size_t k = 0; k < buffer.size (); k += kLanes) // 16 tiles_x values
          {
            Floats v = load<Floats> (&buffer[k]);
            if (affine)
              {
                const float a = affine->scale[oc];
                v = a * v + (affine->shift[oc] + a * b);
                v = v > zero ? v : zero;
              }
            else
              v += b;
            store (&buffer[k], v);
          }
        for (int i2 = 0; i2 < 4; i2++)
          {
            const int oy = 4 * (ty0 + r) + i2;
            if (oy >= h)
              break;
            interleave (&buffer[(size_t) i2 * 4 * tiles_x], tiles_x, w,
                        y.ptr<float> () + ((size_t) oc * h + oy) * w);
          }
      }
  });
}

} // namespace ns
