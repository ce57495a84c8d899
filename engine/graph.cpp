// graph.cpp: see graph.hpp.
#include "graph.hpp"
#include "huge-pages.hpp"
#include "rewrite.hpp"


#include <algorithm>
#include <cstring>
#include <map>

#include <glib.h>

// OpenCV's header has inline functions with unused parameters.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <opencv2/dnn/all_layers.hpp>
#pragma GCC diagnostic pop

namespace ns {

using cv::dnn::MatShape;

struct Graph::Node
{
  std::string name;
  cv::Ptr<cv::dnn::Layer> layer; // OpenCV's, unless kernel is set
  std::unique_ptr<Kernel> kernel;
  // A normalization layer's: what it does after, in the same pass (the
  // layers folded into it).
  std::unique_ptr<NormPost> post;
  std::vector<std::string> folded; // their types, for the profile
  std::vector<int> inputs; // value ids
  int output = 0;          // value id
  // What the layer was last finalized for (if `finalized`: a layer without
  // inputs is finalized for none), and its shapes there.
  bool finalized = false;
  std::vector<MatShape> finalized_for;
  std::vector<MatShape> output_shapes;
  std::vector<MatShape> internal_shapes;
  bool in_place = false;
  double seconds = 0; // NEURAL_STYLE_PROFILE
  int runs = 0;
};

namespace {

// A node's layer for the profile: its type, channels, kernel and stride.
std::string
describe_layer (const cv::dnn::Layer &layer, const std::vector<MatShape> &in,
                const MatShape &out)
{
  std::string s = layer.type;
  if (!in.empty () && in[0].size () == 4 && out.size () == 4)
    s += " " + std::to_string (in[0][1]) + "->" + std::to_string (out[1]);
  if (auto *conv = dynamic_cast<const cv::dnn::BaseConvolutionLayer *> (&layer))
    if (conv->kernel_size.size () == 2 && conv->strides.size () == 2)
      s += " " + std::to_string (conv->kernel_size[0]) + "x" + std::to_string (conv->kernel_size[1])
           + " s" + std::to_string (conv->strides[0]);
  return s;
}

// The graph running a kernel on this thread (scratch_buffer).
thread_local Graph *running_graph = nullptr;

// Sets running_graph for a scope.
class Running
{
public:
  explicit Running (Graph *graph) : previous_ (running_graph) { running_graph = graph; }
  ~Running () { running_graph = previous_; }

private:
  Graph *previous_;
};

// The free buffer of `pool` take () gives a value of `total` floats: the
// smallest that holds it (one of its size exactly, when `exact`), or null
// when it makes a new one.  `floats` and `is_free` read a buffer.
template <class Pool, class Floats, class IsFree>
typename Pool::value_type *
best_fit (Pool &pool, size_t total, bool exact, Floats floats, IsFree is_free)
{
  typename Pool::value_type *best = nullptr;
  for (auto &b : pool)
    if (is_free (b) && floats (b) >= total && (!best || floats (b) < floats (*best)))
      best = &b;
  return best && (!exact || floats (*best) == total) ? best : nullptr;
}

size_t
floats_in (const MatShape &shape)
{
  size_t total = 1;
  for (int d : shape)
    total *= (size_t) d;
  return std::max<size_t> (total, 1);
}

// A buffer as pass_bytes () plans it: the pool's share of it, and the
// shape of the value in it.  Free when only the plan's pool holds it.
struct PlannedBuffer
{
  std::shared_ptr<size_t> floats;
  MatShape shape;
};

} // namespace

cv::Mat
scratch_buffer (size_t floats)
{
  if (running_graph)
    {
      running_graph->scratch_taken_ += floats * sizeof (float);
      return running_graph->take ({ 1, (int) std::max<size_t> (floats, 1) });
    }
  return cv::Mat (1, (int) std::max<size_t> (floats, 1), CV_32F);
}

size_t
Snapshot::bytes () const
{
  size_t n = 0;
  for (const cv::Mat &m : values)
    n += m.total () * m.elemSize ();
  return n;
}

void
copy_parallel (const cv::Mat &from, cv::Mat &to)
{
  CV_Assert (from.isContinuous () && to.isContinuous () && from.type () == to.type ()
             && from.total () == to.total ());
  const size_t bytes = from.total () * from.elemSize (), piece = 4 << 20;
  cv::parallel_for_ (cv::Range (0, (int) ((bytes + piece - 1) / piece)), [&] (const cv::Range &range) {
    const size_t begin = (size_t) range.start * piece, end = std::min (bytes, (size_t) range.end * piece);
    memcpy (to.data + begin, from.data + begin, end - begin);
  });
}

cv::Mat
bordered_copy (const cv::Mat &x, int border)
{
  const int c = x.size[1], h = x.size[2], w = x.size[3], ph = h + 2, pw = w + 2;
  const int shape[] = { 1, c, ph, pw };
  cv::Mat padded = scratch_buffer ((size_t) c * ph * pw).reshape (1, 4, shape);
  cv::parallel_for_ (cv::Range (0, c), [&] (const cv::Range &range) {
    for (int ch = range.start; ch < range.end; ch++)
      {
        const cv::Mat src (h, w, CV_32F, const_cast<float *> (x.ptr<float> (0, ch)));
        cv::Mat dst (ph, pw, CV_32F, padded.ptr<float> (0, ch));
        cv::copyMakeBorder (src, dst, 1, 1, 1, 1, border);
      }
  });
  return padded;
}

Graph::Graph () = default;
Graph::~Graph () = default;

std::unique_ptr<Graph>
Graph::build (cv::dnn::Net &net, const std::vector<std::string> &norm_layers, bool rewrite)
{
  auto graph = std::unique_ptr<Graph> (new Graph ());
  const char *profile = g_getenv ("NEURAL_STYLE_PROFILE");
  graph->profile_ = profile && *profile && g_strcmp0 (profile, "0") != 0;
  std::map<std::string, int> value_of; // layer name -> its output value
  const std::vector<std::string> names = net.getLayerNames ();
  // The network input: the layer every first layer reads.
  const std::string input_name = net.getLayer (0)->name;
  value_of[input_name] = 0;

  // How many layers read each layer's output.
  std::map<std::string, int> readers;
  for (const std::string &name : names)
    for (const cv::Ptr<cv::dnn::Layer> &in : net.getLayerInputs (net.getLayerId (name)))
      readers[in->name]++;

  // `layer` folded into the normalization node `producer`, which does
  // `post` after it from now on.
  const auto fold_into = [&graph] (Node &producer, const cv::dnn::Layer &layer, NormPost post) {
    producer.post = std::make_unique<NormPost> (std::move (post));
    producer.folded.push_back (layer.type);
    graph->folded_++;
  };

  try
    {
      const MatShape probe { 1, 3, 64, 72 };
      for (const std::string &name : names)
        {
          const int id = net.getLayerId (name);
          auto node = std::make_unique<Node> ();
          node->name = name;
          node->layer = net.getLayer (id);
          std::vector<std::string> input_names;
          for (const cv::Ptr<cv::dnn::Layer> &in : net.getLayerInputs (id))
            {
              const auto it = value_of.find (in->name);
              if (it == value_of.end ())
                return nullptr; // not in topological order
              node->inputs.push_back (it->second);
              input_names.push_back (in->name);
            }
          // Only single-output layers: Net's public interface does not say
          // which output of a layer another one reads.
          std::vector<MatShape> in_shapes, out_shapes;
          net.getLayerShapes (probe, id, in_shapes, out_shapes);
          if (out_shapes.size () != 1)
            return nullptr;

          // A crop right after a rewritten transposed convolution (and read
          // by nothing else) becomes part of it; so do a batch
          // normalization and a ReLU right after a normalization layer.
          if (rewrite && node->inputs.size () == 1 && node->inputs[0] > 0
              && readers[input_names[0]] == 1)
            {
              Node &producer = *graph->nodes_[node->inputs[0] - 1];
              NormPost post = producer.post ? *producer.post : NormPost ();
              const bool into_norm
                = !producer.kernel && in_shapes.size () == 1
                  && in_shapes[0].size () == 4
                  && fold_into_instance_norm (producer.layer, *node->layer, in_shapes[0][1], post);
              if (into_norm)
                fold_into (producer, *node->layer, std::move (post));
              // A ReLU right after a convolution (Magenta's encoder).
              const auto *relu = dynamic_cast<const cv::dnn::ReLULayer *> (node->layer.get ());
              const bool into_kernel = relu && relu->negativeSlope == 0.0f && producer.kernel
                                       && producer.kernel->fold_relu ();
              if (into_kernel)
                {
                  producer.folded.push_back (node->layer->type);
                  graph->folded_++;
                }
              if (into_norm || into_kernel || fold_crop (producer.kernel, *node->layer))
                {
                  value_of[name] = producer.output;
                  continue;
                }
            }

          // The sum of a residual block: the normalization layer that makes
          // one of its two inputs (read by nothing else) adds the other,
          // made before it.
          if (rewrite && node->inputs.size () == 2 && in_shapes.size () == 2 && in_shapes[0] == in_shapes[1]
              && in_shapes[0].size () == 4)
            {
              bool folded = false;
              for (int i = 0; i < 2 && !folded; i++)
                {
                  const int v = node->inputs[i], other = node->inputs[1 - i];
                  if (v <= 0 || readers[input_names[i]] != 1 || other >= v)
                    continue;
                  Node &producer = *graph->nodes_[v - 1];
                  NormPost post = producer.post ? *producer.post : NormPost ();
                  if (producer.kernel
                      || !fold_sum_into_instance_norm (producer.layer, *node->layer, in_shapes[0][1], post))
                    continue;
                  fold_into (producer, *node->layer, std::move (post));
                  producer.inputs.push_back (other);
                  value_of[name] = producer.output;
                  folded = true;
                }
              if (folded)
                continue;
            }

          // Padding right before a convolution (and read by nothing else:
          // OpenCV 4.6's ONNX importer makes zero padding for one-sided
          // pads, Magenta's networks mirror their edges), and an
          // upsampling right before that, become part of the convolution.
          if (rewrite && graph->fold_padding (node, in_shapes, probe, readers))
            {
              value_of[name] = graph->nodes_.back ()->output;
              continue;
            }

          node->output = (int) graph->nodes_.size () + 1;
          value_of[name] = node->output;
          if (rewrite && node->inputs.size () == 1 && in_shapes.size () == 1 && in_shapes[0].size () == 4)
            {
              // The layer's input pixels per network input pixel.
              const double scale = (double) in_shapes[0][2] * in_shapes[0][3] / (probe[2] * probe[3]);
              if ((node->kernel = rewrite_layer (node->layer, scale, graph->scratch_)))
                graph->rewritten_++;
            }
          graph->nodes_.push_back (std::move (node));
        }
    }
  catch (const cv::Exception &)
    {
      return nullptr;
    }

  // The last layer is the network's only output: nothing reads it.
  const size_t n = graph->nodes_.size ();
  graph->last_use_.assign (n + 1, -1);
  for (size_t i = 0; i < n; i++)
    for (int v : graph->nodes_[i]->inputs)
      graph->last_use_[v] = (int) i;
  for (size_t v = 0; v < n; v++)
    if (graph->last_use_[v] < 0)
      return nullptr;
  graph->last_use_[n] = (int) n;
  graph->values_.resize (n + 1);

  for (const std::string &norm : norm_layers)
    {
      const auto it = std::find_if (graph->nodes_.begin (), graph->nodes_.end (),
                                    [&] (const std::unique_ptr<Node> &node) { return node->name == norm; });
      if (it == graph->nodes_.end ())
        return nullptr;
      graph->norm_nodes_.push_back ((int) (it - graph->nodes_.begin ()));
    }
  graph->mark_exact ();
  return graph;
}

// Every buffer the graph made stays in pool_; one is free when the pool
// holds its only reference.  A value gets a free buffer of its own size,
// else the smallest free one that holds it, as a view of its first
// elements: after the first pass of a size, no pass allocates.  Buffers
// others hold (exact tiling's snapshots in memory) are not free: the pool
// grows by what they hold, so a value a snapshot may hold (`exact`) never
// lives in a larger buffer: the store would hold the whole buffer (at
// 3 MP, 32-byte values in 128-byte buffers filled it four times over).
cv::Mat
Graph::take (const MatShape &shape, bool exact)
{
  const size_t total = floats_in (shape);
  cv::Mat *best = best_fit (
    pool_, total, exact, [] (const cv::Mat &m) { return m.total (); },
    [] (const cv::Mat &m) { return m.u->refcount == 1; });
  if (!best)
    {
      // Past the limit, free buffers (of other sizes) make room first,
      // their memory given back at once.
      const HugePagesNotKept unmapped;
      size_t bytes = pool_bytes () + total * sizeof (float);
      for (auto it = pool_.begin (); pool_limit_ > 0 && bytes > pool_limit_ && it != pool_.end ();)
        if (it->u->refcount == 1)
          {
            bytes -= it->total () * it->elemSize ();
            it = pool_.erase (it);
          }
        else
          ++it;
      pool_.emplace_back (1, (int) total, CV_32F);
      best = &pool_.back ();
    }
  return best->colRange (0, (int) total).reshape (1, (int) shape.size (), shape.data ());
}

// Whether `node`'s output (of shape `output`) may go into its first
// input's buffer: nothing reads that input later, the node reads it once,
// and it has the output's shape.
bool
Graph::input_buffer_free (const Node &node, const MatShape &output) const
{
  const int first = node.inputs.empty () ? -1 : node.inputs[0];
  return first >= 0 && last_use_[first] == node.output - 1
         && std::count (node.inputs.begin (), node.inputs.end (), first) == 1
         && shape_of (values_[first]) == output;
}

void
Graph::run_node (Node &node, bool in_place)
{
  std::vector<cv::Mat> inputs;
  std::vector<MatShape> in_shapes;
  for (int v : node.inputs)
    {
      inputs.push_back (values_[v]);
      in_shapes.push_back (shape_of (values_[v]));
    }

  if (node.kernel)
    {
      const MatShape shape = node.kernel->output_shape (in_shapes[0]);
      cv::Mat out = in_place && node.kernel->in_place () && input_buffer_free (node, shape)
                      ? values_[node.inputs[0]]
                      : take (shape, exact_[node.output]);
      Running running (this);
      node.kernel->forward (inputs[0], out);
      values_[node.output] = out;
      return;
    }

  const bool new_shapes = !node.finalized || in_shapes != node.finalized_for;
  if (new_shapes)
    {
      node.finalized = false; // until finalize succeeds
      node.output_shapes.clear ();
      node.internal_shapes.clear ();
      node.in_place = node.layer->getMemoryShapes (in_shapes, 1, node.output_shapes,
                                                   node.internal_shapes);
    }

  std::vector<cv::Mat> outputs, internals;
  // In place when the layer allows it and nothing reads its input later.
  if (in_place && node.in_place && input_buffer_free (node, node.output_shapes[0]))
    outputs.push_back (values_[node.inputs[0]]);
  else
    outputs.push_back (take (node.output_shapes[0], exact_[node.output]));
  for (const MatShape &s : node.internal_shapes)
    internals.push_back (take (s));

  if (new_shapes)
    {
      node.layer->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
      // Some layers know their output only once finalized (OpenCV 4.6's
      // global pooling): then they get new outputs, finalized again.
      std::vector<MatShape> output_shapes, internal_shapes;
      node.layer->getMemoryShapes (in_shapes, 1, output_shapes, internal_shapes);
      if (output_shapes != node.output_shapes || internal_shapes != node.internal_shapes)
        {
          node.output_shapes = output_shapes;
          node.internal_shapes = internal_shapes;
          node.in_place = false;
          outputs.assign (1, take (output_shapes[0], exact_[node.output]));
          for (cv::Mat &m : internals)
            m.release ();
          internals.clear ();
          for (const MatShape &s : internal_shapes)
            internals.push_back (take (s));
          node.layer->finalize (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs));
        }
      node.finalized_for = in_shapes;
      node.finalized = true;
    }
  if (node.post)
    {
      // The normalization layer's own inputs (OpenCV 4.10's has its scale
      // and shift as two more), then a folded sum's addend.
      const std::vector<cv::Mat> own (inputs.begin (), inputs.end () - (node.post->add ? 1 : 0));
      run_instance_norm (node.layer, own, outputs[0], *node.post, node.post->add ? inputs.back () : cv::Mat ());
    }
  else
    node.layer->forward (cv::InputArrayOfArrays (inputs), cv::OutputArrayOfArrays (outputs),
                         cv::OutputArrayOfArrays (internals));
  values_[node.output] = outputs[0];
  for (cv::Mat &m : internals)
    m.release ();
}

// What a pass at `input` takes, in order, as reserve () plans it:
// `take (shape, exact)` gives each node's output (unless the layer writes
// over its input), internals and scratch a Buffer, `shape` tells a
// Buffer's, and a value's Buffer is dropped after its last reader.
template <class Buffer, class Take, class Shape>
void
Graph::walk_pass (const MatShape &input, Take take, Shape shape) const
{
  std::vector<Buffer> held (values_.size ());
  held[0] = take (input, exact_[0]);
  for (size_t i = 0; i < nodes_.size (); i++)
    {
      const Node &node = *nodes_[i];
      std::vector<MatShape> in_shapes, outputs, internal_shapes;
      for (int v : node.inputs)
        in_shapes.push_back (shape (held[v]));
      bool in_place = false;
      if (node.kernel)
        {
          outputs.push_back (node.kernel->output_shape (in_shapes[0]));
          in_place = node.kernel->in_place ();
        }
      else
        in_place = node.layer->getMemoryShapes (in_shapes, 1, outputs, internal_shapes);
      std::vector<Buffer> internals;
      for (const MatShape &s : internal_shapes)
        internals.push_back (take (s, false));
      const int first = node.inputs.empty () ? -1 : node.inputs[0];
      if (in_place && first >= 0 && last_use_[first] == (int) i && in_shapes[0] == outputs[0])
        held[node.output] = held[first];
      else
        held[node.output] = take (outputs[0], exact_[node.output]);
      // The scratch it takes beside its output, as forward () takes it.
      std::vector<Buffer> scratch;
      if (node.kernel)
        for (size_t floats : node.kernel->scratch_floats (in_shapes[0]))
          scratch.push_back (take ({ 1, (int) std::max<size_t> (floats, 1) }, false));
      for (int v : node.inputs)
        if (last_use_[v] == (int) i && v != node.output)
          held[v] = Buffer ();
    }
}

void
Graph::reserve (const MatShape &input)
{
  drop_values ();
  try
    {
      walk_pass<cv::Mat> (
        input, [this] (const MatShape &s, bool exact) { return take (s, exact); },
        [] (const cv::Mat &m) { return shape_of (m); });
    }
  catch (const cv::Exception &)
    {
      // Only an optimization: the passes allocate what is missing.
    }
}

double
Graph::pass_bytes (const MatShape &input) const
{
  std::vector<std::shared_ptr<size_t>> pool;
  const auto take = [&pool] (const MatShape &s, bool exact) {
    const size_t total = floats_in (s);
    std::shared_ptr<size_t> *best = best_fit (
      pool, total, exact, [] (const std::shared_ptr<size_t> &b) { return *b; },
      [] (const std::shared_ptr<size_t> &b) { return b.use_count () == 1; });
    if (best)
      return PlannedBuffer { *best, s };
    pool.push_back (std::make_shared<size_t> (total));
    return PlannedBuffer { pool.back (), s };
  };
  walk_pass<PlannedBuffer> (input, take, [] (const PlannedBuffer &b) { return b.shape; });
  double bytes = 0;
  for (const std::shared_ptr<size_t> &b : pool)
    bytes += (double) *b * sizeof (float);
  return bytes;
}

void
Graph::run_nodes (int begin, int end, bool in_place)
{
  for (int i = begin; i < end; i++)
    {
      const int64 start = profile_ ? cv::getTickCount () : 0;
      run_node (*nodes_[i], in_place);
      if (profile_)
        {
          nodes_[i]->seconds += (double) (cv::getTickCount () - start) / cv::getTickFrequency ();
          nodes_[i]->runs++;
        }
      for (int v : nodes_[i]->inputs)
        if (last_use_[v] == i && v != nodes_[i]->output)
          values_[v].release ();
    }
}

void
Graph::drop_values ()
{
  for (cv::Mat &m : values_)
    m.release ();
}

cv::Mat
Graph::forward (const cv::Mat &blob, const std::string &upto)
{
  drop_values ();
  int end = (int) nodes_.size ();
  for (size_t i = 0; i < nodes_.size () && !upto.empty (); i++)
    if (nodes_[i]->name == upto)
      end = (int) i + 1;
  values_[0] = take (shape_of (blob));
  blob.copyTo (values_[0]);
  run_nodes (0, end);
  cv::Mat result = values_[end].clone ();
  drop_values ();
  return result;
}

// Whether `node` (a layer reading only the last node) is a convolution
// after padding (after upsampling), each read by nothing else, that one
// kernel computes; then it replaces them.
bool
Graph::fold_padding (std::unique_ptr<Node> &node, const std::vector<MatShape> &in_shapes,
                     const MatShape &probe, const std::map<std::string, int> &readers)
{
  const int n = (int) nodes_.size ();
  if (node->inputs.size () != 1 || node->inputs[0] != n || n == 0 || in_shapes.size () != 1
      || in_shapes[0].size () != 4)
    return false;
  const auto read_once = [&] (const Node &producer) {
    const auto it = readers.find (producer.name);
    return !producer.kernel && producer.inputs.size () == 1 && it != readers.end () && it->second == 1;
  };
  Node &padding = *nodes_[n - 1];
  if (!read_once (padding))
    return false;
  // The convolution's input pixels per network input pixel.
  const double scale = (double) in_shapes[0][2] * in_shapes[0][3] / (probe[2] * probe[3]);
  const bool after_resize = n >= 2 && padding.inputs[0] == n - 1 && read_once (*nodes_[n - 2]);
  if (after_resize)
    if ((node->kernel = rewrite_padded (node->layer, padding.layer, nodes_[n - 2]->layer,
                                        in_shapes[0][1], scale, scratch_)))
      {
        node->inputs = nodes_[n - 2]->inputs;
        node->output = nodes_[n - 2]->output;
        nodes_[n - 2] = std::move (node);
        nodes_.pop_back ();
        rewritten_++;
        return true;
      }
  if (!(node->kernel = rewrite_padded (node->layer, padding.layer, nullptr, in_shapes[0][1], scale,
                                       scratch_)))
    return false;
  node->inputs = padding.inputs;
  node->output = padding.output;
  nodes_.back () = std::move (node);
  rewritten_++;
  return true;
}

bool
Graph::agrees_with (cv::dnn::Net &net)
{
  const int sizes[] = { 1, 3, 64, 72 };
  cv::Mat probe (4, sizes, CV_32F);
  cv::randu (probe, 0.0, 255.0);
  try
    {
      net.setInput (probe);
      const cv::Mat expected = net.forward ();
      const cv::Mat got = forward (probe);
      if (shape_of (expected) != shape_of (got))
        return false;
      const double range = std::max (1.0, cv::norm (expected, cv::NORM_INF));
      return cv::norm (expected, got, cv::NORM_INF) <= 1e-3 * range;
    }
  catch (const cv::Exception &)
    {
      return false;
    }
}

// The values save () may take, and those a layer may overwrite in place
// to make one of them: they get buffers of their own size (see take).
void
Graph::mark_exact ()
{
  exact_.assign (values_.size (), false);
  for (int stop : norm_nodes_)
    for (int v = 0; v <= stop; v++)
      if (last_use_[v] >= stop)
        exact_[v] = true;
  for (int i = (int) nodes_.size () - 1; i >= 0; i--)
    {
      const Node &node = *nodes_[i];
      if (exact_[node.output] && !node.inputs.empty () && last_use_[node.inputs[0]] == i)
        exact_[node.inputs[0]] = true;
    }
}

Snapshot
Graph::save (int node)
{
  Snapshot s;
  for (size_t v = 0; v < values_.size (); v++)
    if (!values_[v].empty () && last_use_[v] >= node)
      {
        s.ids.push_back ((int) v);
        s.values.push_back (values_[v]); // the graph's own buffer: see run_to_norm
      }
  return s;
}

bool
Graph::owns (const cv::Mat &m) const
{
  return m.u && std::any_of (pool_.begin (), pool_.end (), [&] (const cv::Mat &p) { return p.u == m.u; });
}

void
Graph::restore (Snapshot &from)
{
  drop_values ();
  for (size_t i = 0; i < from.ids.size (); i++)
    {
      cv::Mat &m = values_[from.ids[i]];
      const cv::Mat &v = from.values[i];
      CV_Assert (v.type () == CV_32F && v.isContinuous ());
      if (owns (v))
        m = v;
      else
        {
          m = take (shape_of (v), true);
          copy_parallel (v, m);
          copied_bytes_ += v.total () * v.elemSize ();
        }
    }
  from = Snapshot ();
}

std::vector<double>
Graph::snapshot_bytes (const MatShape &input) const
{
  std::vector<MatShape> shapes (values_.size ());
  std::vector<double> bytes;
  shapes[0] = input;
  size_t k = 0;
  for (size_t i = 0; i < nodes_.size (); i++)
    {
      const Node &node = *nodes_[i];
      if (k < norm_nodes_.size () && norm_nodes_[k] == (int) i)
        {
          // What save (i) takes: every value made and still to be read.
          double b = 0;
          for (size_t v = 0; v < shapes.size (); v++)
            if (!shapes[v].empty () && last_use_[v] >= (int) i)
              {
                double n = sizeof (float);
                for (int d : shapes[v])
                  n *= d;
                b += n;
              }
          bytes.push_back (b);
          k++;
        }
      std::vector<MatShape> in_shapes, outputs, internals;
      for (int v : node.inputs)
        in_shapes.push_back (shapes[v]);
      if (node.kernel)
        outputs.push_back (node.kernel->output_shape (in_shapes[0]));
      else
        node.layer->getMemoryShapes (in_shapes, 1, outputs, internals);
      shapes[node.output] = outputs[0];
      for (int v : node.inputs)
        if (last_use_[v] == (int) i && v != node.output)
          shapes[v].clear ();
    }
  return bytes;
}

size_t
Graph::pool_bytes () const
{
  size_t n = 0;
  for (const cv::Mat &m : pool_)
    n += m.total () * m.elemSize ();
  return n;
}

void
Graph::run_to_norm (const cv::Mat &blob, Snapshot *from, int k,
                    const std::function<void (const Snapshot &)> &keep, bool only_gathers)
{
  int begin = 0;
  if (from)
    {
      restore (*from);
      begin = norm_nodes_[k - 1];
    }
  else
    {
      drop_values ();
      values_[0] = take (shape_of (blob), exact_[0]);
      blob.copyTo (values_[0]);
    }
  const int stop = norm_nodes_[k];
  run_nodes (begin, stop);
  // Kept before the layer runs: `keep` may hold them as they are (the pool
  // passes over them), so the layer runs beside them, unless it only
  // gathers its statistics and writes nothing: then over its input's
  // buffer.  Given a buffer of its own, exact tiling's pool went past the
  // pass it plans by that buffer at every round and dropped free buffers
  // to make room, which the next round faulted in again: 405,000 page
  // faults at 3 MP against 326,000, 0.2 s of system time (the peak 1014 →
  // 1135 MiB, within the budget: what the pool keeps stays resident).
  keep (save (stop));
  run_nodes (stop, stop + 1, only_gathers);
  drop_values ();
}

cv::Mat
Graph::run_from (Snapshot &from)
{
  restore (from);
  run_nodes (norm_nodes_.back (), (int) nodes_.size ());
  // The pool's buffer itself, not a copy: take () passes over it while the
  // caller holds it.
  cv::Mat result = values_.back ();
  drop_values ();
  return result;
}

void
Graph::release ()
{
  drop_values ();
  pool_.clear ();
  pool_limit_ = 0;
  if (!profile_)
    return;
  // Per kind of layer, as the benchmark's table shows it.
  std::map<std::string, std::pair<double, int>> kinds;
  double total = 0;
  for (const auto &node : nodes_)
    {
      if (!node->runs)
        continue;
      std::string what = node->kernel ? node->kernel->describe ()
                                      : describe_layer (*node->layer, node->finalized_for,
                                                        node->output_shapes.empty () ? MatShape () : node->output_shapes[0]);
      for (const std::string &type : node->folded)
        what += " + " + type;
      kinds[what].first += node->seconds;
      kinds[what].second++;
      total += node->seconds;
      node->seconds = 0;
      node->runs = 0;
    }
  std::vector<std::pair<double, std::string>> rows;
  for (const auto &k : kinds)
    rows.emplace_back (k.second.first, k.first + " (x" + std::to_string (k.second.second) + ")");
  std::sort (rows.rbegin (), rows.rend ());
  g_printerr ("neural-style profile: %.3f s in layers\n", total);
  for (const auto &r : rows)
    g_printerr ("  %8.3f s %5.1f %%  %s\n", r.first, 100 * r.first / std::max (total, 1e-9), r.second.c_str ());
}

} // namespace ns
