// graph.hpp: the engine runs a style network's layers itself.
//
// cv::dnn::Net reallocates every blob whenever the input size changes and
// can only run a network from its input.  A tiled job needs neither: its
// passes all run at one size, and exact tiling wants to stop every tile at
// a normalization layer (until that layer's statistics over the whole image
// are known) and later go on from there.  So the engine walks the loaded
// network into a list of nodes and runs them itself, calling each OpenCV
// layer's finalize() and forward() with buffers it keeps from pass to pass;
// and some layers it replaces by faster equivalents of its own (kernels,
// see rewrite.hpp).
#pragma once

#include "conv-gemm.hpp"
#include "instance-norm.hpp"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ns {

// `m`'s dimensions (OpenCV's shape_utils.hpp does not compile warning-free).
inline cv::dnn::MatShape
shape_of (const cv::Mat &m)
{
  return cv::dnn::MatShape (m.size.p, m.size.p + m.dims);
}

// to = from (the same size, continuous), copied by every thread: copies of
// snapshots on one thread left the other cores idle.
void copy_parallel (const cv::Mat &from, cv::Mat &to);

// An engine replacement for one layer: one input, one output, batch 1,
// NCHW float.
class Kernel
{
public:
  virtual ~Kernel () = default;
  virtual cv::dnn::MatShape output_shape (const cv::dnn::MatShape &input) const = 0;
  virtual void forward (const cv::Mat &x, cv::Mat &y) = 0;
  // What it computes, for NEURAL_STYLE_PROFILE.
  virtual std::string describe () const = 0;
  // The scratch buffers (scratch_buffer ()) forward () takes for an input
  // of shape `input`, in floats, in the order it takes them; all held
  // until it returns.
  virtual std::vector<size_t> scratch_floats (const cv::dnn::MatShape &) const { return {}; }
  // Whether forward (x, y) may write over its input (y = x): the graph
  // then gives it its input's buffer where nothing else reads it.
  virtual bool in_place () const { return false; }
  // Makes forward () give max (0, its output) from now on (a ReLU layer
  // after it, folded in), if it can: says whether it does.
  virtual bool fold_relu () { return false; }
};

// x (1 x C x H x W) with one pixel of border all round (`border`: an
// OpenCV border type), in a kernel's scratch buffer (scratch_buffer ()),
// each channel by a thread.
cv::Mat bordered_copy (const cv::Mat &x, int border);

// A kernel's scratch buffer of `floats` floats, for one forward (): a free
// buffer of the pool of the graph running the kernel on this thread (a
// view of its first elements, back in the pool once the Mat is released),
// else a new one.  Kernels' own buffers, kept from layer to layer beside
// the pool, were 270 MB at 3 MP while the pool held as much free.
cv::Mat scratch_buffer (size_t floats);

// The values a pass holds at one normalization layer, just before it runs:
// all a later pass needs to go on from there.
struct Snapshot
{
  std::vector<int> ids;
  std::vector<cv::Mat> values;
  size_t bytes () const;
};

class Graph
{
public:
  // The network as nodes, or null when it has a shape this class does not
  // run (a layer with several outputs, several network outputs).  With
  // `rewrite`, layers that have a faster equivalent get it.
  static std::unique_ptr<Graph> build (cv::dnn::Net &net, const std::vector<std::string> &norm_layers,
                                       bool rewrite);

  // Whether a pass gives what `net` gives (a small probe through both):
  // a layer whose semantics this class misses shows here, not on a photo.
  bool agrees_with (cv::dnn::Net &net);

  // The output for `blob`, or that of its layer `upto`.
  cv::Mat forward (const cv::Mat &blob, const std::string &upto = std::string ());

  // Exact tiling: runs from the network input (`blob`, when `from` is null)
  // or from `from` (taken at normalization layer k - 1; emptied: buffers
  // of the pool are taken over as they are, others copied) up to
  // normalization layer k, which then runs beside its input; with
  // `only_gathers` (the layer gathers its statistics and writes nothing:
  // NormContext::start_gathering_only), over its input's buffer.  The
  // values at layer k, for the next pass, go to `keep`: buffers of the
  // pool, which no pass uses while someone holds them.
  void run_to_norm (const cv::Mat &blob, Snapshot *from, int k,
                    const std::function<void (const Snapshot &)> &keep, bool only_gathers = false);
  // From the snapshot at the last normalization layer to the output, in a
  // buffer of the pool that no pass uses while the caller holds it.
  cv::Mat run_from (Snapshot &from);

  // A buffer of the graph's pool, for a snapshot read from a file straight
  // into the buffer a pass goes on from.
  cv::Mat buffer (const cv::dnn::MatShape &shape) { return take (shape, true); }

  // Whether `m` lives in a buffer of the pool (for the tests: snapshots
  // kept in memory come back in them).
  bool owns (const cv::Mat &m) const;
  // Bytes restore () has copied from buffers not of the pool (for the
  // tests: none while snapshots stay in memory).
  size_t copied_bytes () const { return copied_bytes_; }
  // Bytes of scratch the kernels have taken from the pool (for the tests).
  size_t scratch_taken () const { return scratch_taken_; }

  // Exact tiling's snapshot at each normalization layer (what run_to_norm
  // keeps) for a pass at `input`, in bytes: from the shapes alone.
  std::vector<double> snapshot_bytes (const cv::dnn::MatShape &input) const;

  // Bytes held by the pool (reserve () makes it a pass's).
  size_t pool_bytes () const;
  // What reserve (input) makes the pool hold, starting from none: from the
  // shapes alone, as take () would choose the buffers (throws
  // cv::Exception where a layer refuses the shapes).
  double pass_bytes (const cv::dnn::MatShape &input) const;
  // Past `bytes` (0: no limit, as after release ()), the pool drops free
  // buffers before it makes a new one.  Exact tiling's store holds buffers
  // of the pool: the pool makes up for them, and for their waste when a
  // value lives in a larger buffer, with new ones, which this bounds.
  void limit_pool (size_t bytes) { pool_limit_ = bytes; }

  // Number of nodes replaced by engine kernels.
  int rewritten () const { return rewritten_; }
  // Layers folded into the normalization layer before them (NormPost).
  int folded () const { return folded_; }

  // Extra memory per network input pixel the kernels need: their scratch
  // from the pool (the largest of one layer; reserve () makes room for it).
  double extra_bytes_per_pixel () const { return scratch_->bytes_per_pixel; }

  // Makes the buffers a pass at `input` needs, the kernels' scratch
  // included, so that passes at smaller
  // sizes (a job's statistics pass) fit in them and the pass at `input`
  // allocates nothing.
  void reserve (const cv::dnn::MatShape &input);

  // Drops the buffers kept between passes.
  void release ();

  ~Graph ();

private:
  struct Node;
  Graph ();

  bool fold_padding (std::unique_ptr<Node> &node, const std::vector<cv::dnn::MatShape> &in_shapes,
                     const cv::dnn::MatShape &probe, const std::map<std::string, int> &readers);
  void run_nodes (int begin, int end, bool in_place = true);
  bool input_buffer_free (const Node &node, const cv::dnn::MatShape &output) const;
  void run_node (Node &node, bool in_place);
  cv::Mat take (const cv::dnn::MatShape &shape, bool exact = false);
  template <class Buffer, class Take, class Shape>
  void walk_pass (const cv::dnn::MatShape &input, Take take, Shape shape) const;
  friend cv::Mat scratch_buffer (size_t floats);
  void mark_exact ();
  void restore (Snapshot &from);
  Snapshot save (int node);
  void drop_values ();

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<int> norm_nodes_;   // node index of normalization layer k
  std::vector<int> last_use_;     // per value: the last node reading it
  std::vector<bool> exact_;       // per value: in a buffer of its size (take)
  std::vector<cv::Mat> values_;   // value 0 is the input, i + 1 node i's output
  std::deque<cv::Mat> pool_;      // every buffer made (see take)
  size_t copied_bytes_ = 0;
  size_t scratch_taken_ = 0;
  size_t pool_limit_ = 0;
  bool profile_ = false;          // NEURAL_STYLE_PROFILE: time per node
  int rewritten_ = 0;
  int folded_ = 0;
  // The plan of the kernels' scratch (rewrite.hpp).
  std::shared_ptr<PaddedScratch> scratch_ = std::make_shared<PaddedScratch> ();
};

} // namespace ns
