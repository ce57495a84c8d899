// winograd.cpp: see winograd.hpp.
#include "winograd.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NS_WINOGRAD_X86 1
#include <immintrin.h>
#endif

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

// Tiles per block where the products run in half precision: one panel
// of the half-precision product.  Within a block, columns of the
// transformed planes are tiles in raster order (a block may end one tile
// row and start the next), kept kTileStride floats apart in the
// per-channel scratch (room for the vector transforms' spill past the
// last tile).
constexpr int kBlockTiles = kHalfPanelColumns;
constexpr int kTileStride = kBlockTiles + 8;

// Tiles per block on the AVX2 path (block_avx2): at 128 channels a block
// of 16 tiles transforms into 295 KB and its products take as much, which
// AMD Zen 3's 512 KB L2 nearly holds, where blocks of 32 took twice that.
// bench/bench-winograd 512x384, 128 channels, alternating runs: the
// layer's CPU time 0.33-0.42 s (median 0.39, 19 runs) against 0.39-0.52 s
// (0.41, 15 runs) with 32 tiles, 0.42-0.47 s with 64 (3 runs); the same
// numbers (the same sums in the same order).
constexpr int kAvx2BlockTiles = 16;

// Channels ahead whose lines a block's transforms fetch (prefetch_input,
// prefetch_output).
constexpr int kAheadChannels = 2;

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

// B^T applied to six values s[0] .. s[5].  Always inlined: the AVX-512
// transforms below use them on vectors of 16 floats.
template <typename T>
__attribute__ ((always_inline)) inline void
input_1d (const T s[6], T out[6])
{
  out[0] = 4.0f * s[0] - 5.0f * s[2] + s[4];
  out[1] = -4.0f * (s[1] + s[2]) + s[3] + s[4];
  out[2] = 4.0f * (s[1] - s[2]) - s[3] + s[4];
  out[3] = 2.0f * (s[3] - s[1]) + s[4] - s[2];
  out[4] = 2.0f * (s[1] - s[3]) + s[4] - s[2];
  out[5] = 4.0f * s[1] - 5.0f * s[3] + s[5];
}

// A^T applied to six values.
template <typename T>
__attribute__ ((always_inline)) inline void
output_1d (const T s[6], T out[4])
{
  const T a = s[1] + s[2], b = s[1] - s[2], c = s[3] + s[4], d = s[3] - s[4];
  out[0] = s[0] + a + c;
  out[1] = b + 2.0f * d;
  out[2] = a + 4.0f * c;
  out[3] = b + 8.0f * d + s[5];
}

// B^T d B of one 6x6 grid, d[k][j] (input row k, column j), to out[i][j]:
// each column, then each row.  Every transform below (four floats, AVX2's
// eight, AVX-512's sixteen tiles to a vector) goes through it.
template <typename T>
__attribute__ ((always_inline)) inline void
input_2d (const T d[6][6], T out[6][6])
{
  T vertical[6][6]; // [input column j][row of B^T d]
  for (int j = 0; j < 6; j++)
    {
      T column[6];
      for (int k = 0; k < 6; k++)
        column[k] = d[k][j];
      input_1d (column, vertical[j]);
    }
  for (int i = 0; i < 6; i++)
    {
      T row[6];
      for (int j = 0; j < 6; j++)
        row[j] = vertical[j][i];
      input_1d (row, out[i]);
    }
}

// A^T m A of one 6x6 grid, m[k][j], to the 4x4 out[i][j].
template <typename T>
__attribute__ ((always_inline)) inline void
output_2d (const T m[6][6], T out[4][4])
{
  T t[6][4]; // [column of m][row of A^T m]
  for (int j = 0; j < 6; j++)
    {
      T column[6];
      for (int k = 0; k < 6; k++)
        column[k] = m[k][j];
      output_1d (column, t[j]);
    }
  for (int i = 0; i < 4; i++)
    {
      T row[6];
      for (int j = 0; j < 6; j++)
        row[j] = t[j][i];
      output_1d (row, out[i]);
    }
}

// B^T d B for the tiles tx .. tx + lanes (T) - 1 of a tile row: `phases`
// holds the row's six input rows, each split into four phases (column
// 4 t + q at phases[(k * 4 + q) * stride + t]).  Written to dst[k * group + tx].
template <typename T>
inline void
input_tiles (const float *phases, size_t stride, int tx, float *dst, size_t group)
{
  T d[6][6], t[6][6]; // [input row k][input column 4 tx + j], B^T d B
  for (int k = 0; k < 6; k++)
    for (int j = 0; j < 6; j++)
      d[k][j] = load<T> (phases + 4 * k * stride + (size_t) (j % 4) * stride + tx + j / 4);
  input_2d (d, t);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      store (dst + (i * 6 + j) * group + tx, t[i][j]);
}

// A^T m A for the tiles tx .. of a tile row: m at src[k * group + tx],
// the 16 outputs to out[(i * 4 + j) * stride + tx].
template <typename T>
inline void
output_tiles (const float *src, size_t group, int tx, float *out, size_t stride)
{
  T m[6][6], u[4][4];
  for (int k = 0; k < 36; k++)
    m[k / 6][k % 6] = load<T> (src + k * group + tx);
  output_2d (m, u);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      store (out + (i * 4 + j) * stride + tx, u[i][j]);
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

#ifdef NS_WINOGRAD_X86

// The transforms of the blocks that run in half precision (a CPU with
// AVX512-FP16 has AVX-512): sixteen tiles to a vector.  At four
// (Floats), they took 60 % of these layers' time, the products 25 %.
#define NS_AVX512 __attribute__ ((target ("avx512f,avx512bw,avx512dq,avx512vl,avx512fp16")))

// GCC 12's intrinsics leave the unused halves of some vectors undefined
// on purpose, which -Wmaybe-uninitialized reports.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

constexpr int kWide = 16;

// Lanes 0 .. n - 1 (none for n <= 0, all for n >= 16).
NS_AVX512 inline __mmask16
first_lanes (int n)
{
  return n <= 0 ? 0 : n >= kWide ? 0xffff : (__mmask16) ((1u << n) - 1);
}

// Lanes i with 0 <= at + i < end.
NS_AVX512 inline __mmask16
inside (int at, int end)
{
  return first_lanes (end - at) & (__mmask16) ~first_lanes (-at);
}

// Four vectors of 16 floats, x[i] holding values 16 i .. 16 i + 15 of a
// row, as its four phases: phase[q] lane t = value 4 t + q.
NS_AVX512 inline void
deinterleave (const __m512 x[4], __m512 phase[4])
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32 (even, _mm512_set1_epi32 (1));
  const __m512 e0 = _mm512_permutex2var_ps (x[0], even, x[1]); // values 0, 2, .. 30
  const __m512 o0 = _mm512_permutex2var_ps (x[0], odd, x[1]);  // 1, 3, .. 31
  const __m512 e1 = _mm512_permutex2var_ps (x[2], even, x[3]);
  const __m512 o1 = _mm512_permutex2var_ps (x[2], odd, x[3]);
  phase[0] = _mm512_permutex2var_ps (e0, even, e1);
  phase[2] = _mm512_permutex2var_ps (e0, odd, e1);
  phase[1] = _mm512_permutex2var_ps (o0, even, o1);
  phase[3] = _mm512_permutex2var_ps (o0, odd, o1);
}

// The inverse: four phases of 16 values each as 64 values of a row.
NS_AVX512 inline void
interleave (const __m512 phase[4], __m512 x[4])
{
  const __m512i low = _mm512_setr_epi32 (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i high = _mm512_add_epi32 (low, _mm512_set1_epi32 (8));
  const __m512 e0 = _mm512_permutex2var_ps (phase[0], low, phase[2]);  // values 0, 2, .. 30
  const __m512 e1 = _mm512_permutex2var_ps (phase[0], high, phase[2]); // 32, 34, .. 62
  const __m512 o0 = _mm512_permutex2var_ps (phase[1], low, phase[3]);  // 1, 3, .. 31
  const __m512 o1 = _mm512_permutex2var_ps (phase[1], high, phase[3]);
  x[0] = _mm512_permutex2var_ps (e0, low, o0);
  x[1] = _mm512_permutex2var_ps (e0, high, o0);
  x[2] = _mm512_permutex2var_ps (e1, low, o1);
  x[3] = _mm512_permutex2var_ps (e1, high, o1);
}

// B^T d B of 16 tiles of one channel (`src`, h x w, zero outside), tile
// t's input at rows y0 .. y0 + 5 and columns x0 + 4 t .. x0 + 4 t + 5:
// its 36 values as halves to dst[k * stride + t], t < lanes.
NS_AVX512 void
input_wide (const float *src, int h, int w, int y0, int x0, int lanes, unsigned short *dst,
            size_t stride)
{
  __m512 d[6][6]; // [input row k][input column j]
  for (int k = 0; k < 6; k++)
    {
      const int sy = y0 + k;
      if (sy < 0 || sy >= h)
        {
          for (int j = 0; j < 6; j++)
            d[k][j] = _mm512_setzero_ps ();
          continue;
        }
      const float *row = src + (size_t) sy * w;
      __m512 x[4];
      for (int i = 0; i < 4; i++)
        x[i] = _mm512_maskz_loadu_ps (inside (x0 + kWide * i, w), row + x0 + kWide * i);
      deinterleave (x, d[k]);
      // Columns 4 and 5 of tile t are columns 0 and 1 of tile t + 1.
      for (int q = 0; q < 2; q++)
        {
          const int sx = x0 + 4 * kWide + q;
          const __m512 next = _mm512_set1_ps (sx >= 0 && sx < w ? row[sx] : 0.0f);
          d[k][4 + q] = _mm512_castsi512_ps (
            _mm512_alignr_epi32 (_mm512_castps_si512 (next), _mm512_castps_si512 (d[k][q]), 1));
        }
    }
  __m512 v[6][6];
  input_2d (d, v);
  const __mmask16 mask = first_lanes (lanes);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      _mm256_mask_storeu_epi16 (dst + (i * 6 + j) * stride, mask,
                                _mm256_castph_si256 (_mm512_cvtxps_ph (v[i][j])));
}

// A^T m A of 16 tiles (m[k * stride + t]: tile t's product at position
// k), plus `bias`, then times `scale` plus `shift` and ReLU with
// `relu`: tile t's 4x4 outputs to rows y0 .. y0 + 3 and columns
// x0 + 4 t .. of one channel (`dst`, h x w), for t < tiles, inside it.
NS_AVX512 void
output_wide (const float *m, size_t stride, float bias, bool relu, float scale, float shift, int tiles,
             float *dst, int h, int w, int y0, int x0)
{
  __m512 products[6][6], outputs[4][4];
  for (int k = 0; k < 36; k++)
    products[k / 6][k % 6] = _mm512_loadu_ps (m + k * stride);
  output_2d (products, outputs);
  const int end = std::min (w, x0 + 4 * tiles);
  for (int i = 0; i < 4 && y0 + i < h; i++)
    {
      __m512 *u = outputs[i], x[4];
      for (int j = 0; j < 4; j++)
        {
          u[j] = _mm512_add_ps (u[j], _mm512_set1_ps (bias));
          if (relu)
            u[j] = _mm512_max_ps (_mm512_fmadd_ps (u[j], _mm512_set1_ps (scale), _mm512_set1_ps (shift)),
                                  _mm512_setzero_ps ());
        }
      interleave (u, x);
      float *out = dst + (size_t) (y0 + i) * w;
      for (int q = 0; q < 4; q++)
        _mm512_mask_storeu_ps (out + x0 + kWide * q, inside (x0 + kWide * q, end), x[q]);
    }
}

#pragma GCC diagnostic pop

// The transforms of the blocks that run in float32 on AVX2 (AMD Zen 3
// and other CPUs without AVX-512): eight tiles to a vector.  The bands'
// transforms (four tiles to a vector, each of the 36 planes written out
// and read back scattered) took 13-15 % of wave's CPU time there, as much
// as a third of what the products took.
#define NS_AVX2 __attribute__ ((target ("avx2,fma")))

constexpr int kLanes8 = 8;

// Lanes 0 .. n - 1 of a mask for maskload / maskstore (n <= 8).
NS_AVX2 inline __m256i
first_lanes8 (int n)
{
  return _mm256_cmpgt_epi32 (_mm256_set1_epi32 (n), _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
}

// 32 values of a row (x[i]: values 8 i .. 8 i + 7) as its four phases:
// phase[q] lane t = value 4 t + q.  Each 128-bit half of x[i] is one
// tile's four columns; after pairing tiles t and t + 4 in one vector, a
// 4 x 4 transpose within the halves gives the phases.
NS_AVX2 inline void
deinterleave8 (const __m256 x[4], __m256 phase[4])
{
  const __m256 y0 = _mm256_permute2f128_ps (x[0], x[2], 0x20); // tiles 0 | 4
  const __m256 y1 = _mm256_permute2f128_ps (x[0], x[2], 0x31); // tiles 1 | 5
  const __m256 y2 = _mm256_permute2f128_ps (x[1], x[3], 0x20); // tiles 2 | 6
  const __m256 y3 = _mm256_permute2f128_ps (x[1], x[3], 0x31); // tiles 3 | 7
  const __m256 t0 = _mm256_unpacklo_ps (y0, y1), t1 = _mm256_unpackhi_ps (y0, y1);
  const __m256 t2 = _mm256_unpacklo_ps (y2, y3), t3 = _mm256_unpackhi_ps (y2, y3);
  phase[0] = _mm256_shuffle_ps (t0, t2, 0x44);
  phase[1] = _mm256_shuffle_ps (t0, t2, 0xee);
  phase[2] = _mm256_shuffle_ps (t1, t3, 0x44);
  phase[3] = _mm256_shuffle_ps (t1, t3, 0xee);
}

// The inverse: four phases of eight values each as 32 values of a row.
NS_AVX2 inline void
interleave8 (const __m256 phase[4], __m256 x[4])
{
  const __m256 t0 = _mm256_unpacklo_ps (phase[0], phase[1]), t1 = _mm256_unpackhi_ps (phase[0], phase[1]);
  const __m256 t2 = _mm256_unpacklo_ps (phase[2], phase[3]), t3 = _mm256_unpackhi_ps (phase[2], phase[3]);
  const __m256 y0 = _mm256_shuffle_ps (t0, t2, 0x44); // tiles 0 | 4
  const __m256 y1 = _mm256_shuffle_ps (t0, t2, 0xee); // tiles 1 | 5
  const __m256 y2 = _mm256_shuffle_ps (t1, t3, 0x44); // tiles 2 | 6
  const __m256 y3 = _mm256_shuffle_ps (t1, t3, 0xee); // tiles 3 | 7
  x[0] = _mm256_permute2f128_ps (y0, y1, 0x20);
  x[1] = _mm256_permute2f128_ps (y2, y3, 0x20);
  x[2] = _mm256_permute2f128_ps (y0, y1, 0x31);
  x[3] = _mm256_permute2f128_ps (y2, y3, 0x31);
}

// B^T d B of 8 tiles of one channel (`src`, h x w, zero outside), tile
// t's input at rows y0 .. y0 + 5 and columns x0 + 4 t .. x0 + 4 t + 5:
// its 36 values to dst[k * stride + t], t < lanes.
NS_AVX2 void
input_avx2 (const float *src, int h, int w, int y0, int x0, int lanes, float *dst, size_t stride)
{
  constexpr int kRead = 4 * kLanes8 + 2; // the row's values the 8 tiles read
  __m256 d[6][6];                         // [input row k][input column j]
  for (int k = 0; k < 6; k++)
    {
      const int sy = y0 + k;
      if (sy < 0 || sy >= h)
        {
          for (int j = 0; j < 6; j++)
            d[k][j] = _mm256_setzero_ps ();
          continue;
        }
      const float *row = src + (size_t) sy * w;
      // Inside the image: read in place; at its edges, a copy with zeros.
      float edge[kRead];
      const float *at = row + x0;
      if (x0 < 0 || x0 + kRead > w)
        {
          const int from = std::max (0, -x0), to = std::min (kRead, w - x0);
          std::fill_n (edge, kRead, 0.0f);
          if (to > from)
            std::copy (row + x0 + from, row + x0 + to, edge + from);
          at = edge;
        }
      __m256 x[4];
      for (int i = 0; i < 4; i++)
        x[i] = _mm256_loadu_ps (at + kLanes8 * i);
      deinterleave8 (x, d[k]);
      // Columns 4 and 5 of tile t are columns 0 and 1 of tile t + 1.
      const __m256i next = _mm256_setr_epi32 (1, 2, 3, 4, 5, 6, 7, 7);
      for (int q = 0; q < 2; q++)
        d[k][4 + q] = _mm256_blend_ps (_mm256_permutevar8x32_ps (d[k][q], next),
                                       _mm256_set1_ps (at[4 * kLanes8 + q]), 0x80);
    }
  __m256 v[6][6];
  input_2d (d, v);
  const __m256i mask = first_lanes8 (lanes);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      if (lanes == kLanes8)
        _mm256_storeu_ps (dst + (i * 6 + j) * stride, v[i][j]);
      else
        _mm256_maskstore_ps (dst + (i * 6 + j) * stride, mask, v[i][j]);
}

// A^T m A of 8 tiles (m[k * stride + t]: tile t's product at position
// k), plus `bias`, then times `scale` plus `shift` and ReLU with `relu`:
// tile t's 4x4 outputs to rows y0 .. y0 + 3 and columns x0 + 4 t .. of
// one channel (`dst`, h x w), for t < tiles, inside it.
NS_AVX2 void
output_avx2 (const float *m, size_t stride, float bias, bool relu, float scale, float shift, int tiles,
             float *dst, int h, int w, int y0, int x0)
{
  __m256 products[6][6], outputs[4][4];
  for (int k = 0; k < 36; k++)
    products[k / 6][k % 6] = _mm256_loadu_ps (m + k * stride);
  output_2d (products, outputs);
  const int count = std::min (w - x0, 4 * tiles); // output values in the row
  for (int i = 0; i < 4 && y0 + i < h; i++)
    {
      __m256 *u = outputs[i], x[4];
      for (int j = 0; j < 4; j++)
        {
          u[j] = _mm256_add_ps (u[j], _mm256_set1_ps (bias));
          if (relu)
            u[j] = _mm256_max_ps (_mm256_fmadd_ps (u[j], _mm256_set1_ps (scale), _mm256_set1_ps (shift)),
                                  _mm256_setzero_ps ());
        }
      interleave8 (u, x);
      float *out = dst + (size_t) (y0 + i) * w + x0;
      if (count == 4 * kLanes8)
        for (int q = 0; q < 4; q++)
          _mm256_storeu_ps (out + kLanes8 * q, x[q]);
      else
        {
          alignas (32) float values[4 * kLanes8];
          for (int q = 0; q < 4; q++)
            _mm256_store_ps (values + kLanes8 * q, x[q]);
          std::copy_n (values, count, out);
        }
    }
}

#endif

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

// Tiles (ty, tx) .. (ty, tx + count - 1) of one tile row, at columns
// column .. column + count - 1 of a block.
struct Winograd3x3::Segment
{
  int ty, tx, count, column;
};

// A block of at most kBlockTiles (kAvx2BlockTiles) tiles and the calling
// thread's scratch for it.
struct Winograd3x3::Block
{
  int tiles = 0;
  // Floats from a row of a transformed plane to the next: the most tiles
  // the block holds.
  int stride = kBlockTiles;
  std::vector<Segment> segments;
  std::vector<unsigned short> half;  // 36 x C x kBlockTiles halves: product k's B at k C kBlockTiles
  // The same in float32: after a half-precision overflow (laid out as
  // `half`), or AVX2's (each plane plane_floats (C, stride) long).
  std::vector<float> floats;
  // 36 planes of O x kBlockTiles floats (AVX2's plane_floats (O, stride) long),
  // and a vector more.
  std::vector<float> products;

  // Tiles first .. first + count - 1 (raster order) of a tiles_x wide grid.
  void
  cover (int first, int count, int tiles_x)
  {
    tiles = count;
    segments.clear ();
    for (int column = 0; column < count;)
      {
        const int t = first + column, tx = t % tiles_x;
        const int n = std::min (count - column, tiles_x - tx);
        segments.push_back ({ t / tiles_x, tx, n, column });
        column += n;
      }
  }
};

void
Winograd3x3::run (const cv::Mat &x, cv::Mat &y, const Affine *affine)
{
  CV_Assert (x.type () == CV_32F && y.type () == CV_32F && x.isContinuous ()
             && y.isContinuous ());
  const cv::dnn::MatShape out = output_shape (cv::dnn::shape (x));
  CV_Assert (cv::dnn::shape (y) == out);
  if (products_[0].runs_in_half () || avx2_blocks ())
    {
      run_blocks (x, y, affine);
      return;
    }
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

void
Winograd3x3::run_blocks (const cv::Mat &x, cv::Mat &y, const Affine *affine)
{
  const int tiles_x = (y.size[3] + 3) / 4, tiles = (y.size[2] + 3) / 4 * tiles_x;
  const bool avx2 = avx2_blocks ();
  const int per_block = avx2 ? kAvx2BlockTiles : kBlockTiles;
  const int blocks = (tiles + per_block - 1) / per_block;
  cv::parallel_for_ (cv::Range (0, blocks), [&] (const cv::Range &range) {
    thread_local Block block;
    block.stride = per_block;
    for (int b = range.start; b < range.end; b++)
      {
        const int first = b * per_block;
        block.cover (first, std::min (per_block, tiles - first), tiles_x);
        if (avx2)
          block_avx2 (x, block);
        else if (!block_half (x, block))
          block_float (x, block);
        block_output (y, block, affine, avx2);
      }
  });
}

namespace {

// The floats of one of a block's 36 planes of `channels` rows in
// block_avx2 (): a cache line more than its rows, so that the 36 values
// of a tile, one per plane, fall in different sets of the L1 cache (at
// 128 channels the planes are 16 KiB apart, which put all 36 in one set).
size_t
plane_floats (int channels, int stride)
{
  return (size_t) channels * stride + 16;
}

} // namespace

// The cache lines of one channel's input that the block's tiles read (6
// rows and 4 n + 2 columns per segment of n tiles), asked for while the
// channel kAheadChannels before it is transformed: a block reads 6 short
// pieces of rows per channel, planes apart, too many streams for the
// hardware's prefetcher, and the transforms waited on them.
void
Winograd3x3::prefetch_input (const float *src, int h, int w, const Block &block) const
{
  for (const Segment &s : block.segments)
    {
      const int x0 = std::max (0, 4 * s.tx - pad_), x1 = std::min (w, 4 * (s.tx + s.count) + 2 - pad_);
      const int y0 = std::max (0, 4 * s.ty - pad_), y1 = std::min (h, 4 * s.ty + 6 - pad_);
      for (int y = y0; y < y1; y++)
        {
          const float *row = src + (size_t) y * w;
          for (int i = x0; i < x1; i += 16)
            __builtin_prefetch (row + i);
          __builtin_prefetch (row + x1 - 1);
        }
    }
}

// The same for the cache lines of one output channel that the block's
// tiles write (4 rows, 4 n columns per segment of n tiles), for writing.
void
Winograd3x3::prefetch_output (float *dst, int h, int w, const Block &block)
{
  for (const Segment &s : block.segments)
    {
      const int x0 = 4 * s.tx, x1 = std::min (w, 4 * (s.tx + s.count));
      for (int y = 4 * s.ty; y < std::min (h, 4 * s.ty + 4); y++)
        {
          float *row = dst + (size_t) y * w;
          for (int i = x0; i < x1; i += 16)
            __builtin_prefetch (row + i, 1);
          __builtin_prefetch (row + x1 - 1, 1);
        }
    }
}

bool
Winograd3x3::avx2_blocks () const
{
#ifdef NS_WINOGRAD_X86
  return !products_[0].runs_in_half () && std::strcmp (gemm_isa (), "avx2") == 0;
#else
  return false;
#endif
}

// The block's 36 products in float32, its input transformed eight tiles
// at a time (AVX2).
void
Winograd3x3::block_avx2 (const cv::Mat &x, Block &block) const
{
#ifdef NS_WINOGRAD_X86
  const int c = in_channels_, o = out_channels_, h = x.size[2], w = x.size[3];
  const size_t in_plane = plane_floats (c, block.stride), out_plane = plane_floats (o, block.stride);
  block.floats.resize (36 * in_plane);
  // A vector more: block_output_avx2 reads whole vectors of the last row.
  block.products.resize (36 * out_plane + kLanes8);
  for (int ch = 0; ch < c; ch++)
    {
      const float *src = x.ptr<float> () + (size_t) ch * h * w;
      if (ch + kAheadChannels < c)
        prefetch_input (src + (size_t) kAheadChannels * h * w, h, w, block);
      for (const Segment &s : block.segments)
        for (int t = 0; t < s.count; t += kLanes8)
          input_avx2 (src, h, w, 4 * s.ty - pad_, 4 * (s.tx + t) - pad_, std::min (kLanes8, s.count - t),
                      &block.floats[(size_t) ch * block.stride + s.column + t], in_plane);
    }
  multiply_block (block, in_plane, out_plane);
#else
  (void) x, (void) block;
#endif
}

// The block's 36 products in float32, from block.floats (plane k at k
// in_plane) to block.products (at k out_plane).
void
Winograd3x3::multiply_block (Block &block, size_t in_plane, size_t out_plane) const
{
  std::vector<ptrdiff_t> at (in_channels_);
  for (int p = 0; p < in_channels_; p++)
    at[p] = (ptrdiff_t) p * block.stride;
  for (int k = 0; k < 36; k++)
    products_[k].multiply_panels (&block.floats[k * in_plane], at.data (), block.tiles,
                                  &block.products[k * out_plane], block.stride);
}

// The block's 36 products in half precision: false when a sum overflowed.
bool
Winograd3x3::block_half (const cv::Mat &x, Block &block) const
{
#ifdef NS_WINOGRAD_X86
  const int c = in_channels_, o = out_channels_, h = x.size[2], w = x.size[3];
  // Zeros at first in the columns past a short block's tiles (then
  // earlier blocks' values: finite).
  block.half.resize ((size_t) 36 * c * kBlockTiles);
  block.products.resize ((size_t) 36 * o * kBlockTiles + kWide);
  for (int ch = 0; ch < c; ch++)
    {
      const float *src = x.ptr<float> () + (size_t) ch * h * w;
      for (const Segment &s : block.segments)
        for (int t = 0; t < s.count; t += kWide)
          input_wide (src, h, w, 4 * s.ty - pad_, 4 * (s.tx + t) - pad_, std::min (kWide, s.count - t),
                      &block.half[(size_t) ch * kBlockTiles + s.column + t], (size_t) c * kBlockTiles);
    }
  for (int k = 0; k < 36; k++)
    if (!products_[k].multiply_half_panel (&block.half[(size_t) k * c * kBlockTiles], block.tiles,
                                           &block.products[(size_t) k * o * kBlockTiles], kBlockTiles))
      return false;
  return true;
#else
  (void) x, (void) block;
  return false;
#endif
}

// The block's 36 products in float32 (after half precision overflowed).
void
Winograd3x3::block_float (const cv::Mat &x, Block &block) const
{
  const int c = in_channels_, o = out_channels_, h = x.size[2], w = x.size[3];
  block.floats.resize ((size_t) 36 * c * kBlockTiles);
  // A segment's six input rows, each in four phases (column 4 t + q of
  // the segment at phases[(k * 4 + q) * kTileStride + t]), zero outside
  // the image, up to the vector transform's last read; the channel's
  // transformed tiles at tiles[k * kTileStride + column].
  float phases[24 * kTileStride], tiles[36 * kTileStride] = {};
  for (int ch = 0; ch < c; ch++)
    {
      const float *src = x.ptr<float> () + (size_t) ch * h * w;
      for (const Segment &s : block.segments)
        {
          for (int k = 0; k < 6; k++)
            for (int q = 0; q < 4; q++)
              for (int t = 0; t < s.count + kLanes; t++)
                {
                  const int sy = 4 * s.ty + k - pad_, sx = 4 * (s.tx + t) + q - pad_;
                  phases[(k * 4 + q) * kTileStride + t]
                    = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[(size_t) sy * w + sx] : 0.0f;
                }
          // Later segments overwrite what this one's last vector spilled.
          for (int t = 0; t < s.count; t += kLanes)
            input_tiles<Floats> (phases, kTileStride, t, tiles + s.column, kTileStride);
        }
      for (int k = 0; k < 36; k++)
        std::copy_n (&tiles[k * kTileStride], kBlockTiles, &block.floats[((size_t) k * c + ch) * kBlockTiles]);
    }
  multiply_block (block, (size_t) c * kBlockTiles, (size_t) o * kBlockTiles);
}

// A^T m A of the block's products, bias (and affine + ReLU) added, into
// y's rows, cropped at the right and bottom edges: sixteen tiles to an
// AVX-512 vector, or (`avx2`, the products as block_avx2 () lays them
// out) eight to an AVX2 one.
void
Winograd3x3::block_output (cv::Mat &y, const Block &block, const Affine *affine, bool avx2) const
{
#ifdef NS_WINOGRAD_X86
  const int o = out_channels_, h = y.size[2], w = y.size[3];
  const int lanes = avx2 ? kLanes8 : kWide;
  const size_t plane = avx2 ? plane_floats (o, block.stride) : (size_t) o * block.stride;
  const auto output = avx2 ? output_avx2 : output_wide;
  for (int oc = 0; oc < o; oc++)
    {
      const float b = bias_[oc], scale = affine ? affine->scale[oc] : 1.0f;
      const float shift = affine ? affine->shift[oc] : 0.0f;
      float *dst = y.ptr<float> () + (size_t) oc * h * w;
      if (oc + kAheadChannels < o)
        prefetch_output (dst + (size_t) kAheadChannels * h * w, h, w, block);
      for (const Segment &s : block.segments)
        for (int t = 0; t < s.count; t += lanes)
          output (&block.products[(size_t) oc * block.stride + s.column + t], plane, b, affine != nullptr, scale,
                  shift, std::min (lanes, s.count - t), dst, h, w, 4 * s.ty, 4 * (s.tx + t));
    }
#else
  (void) y, (void) block, (void) affine, (void) avx2;
#endif
}

} // namespace ns
