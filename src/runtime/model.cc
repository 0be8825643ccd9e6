#include "runtime/model.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "model/tflite.h"
#include "runtime/arena_planner.h"
#include "runtime/fold_dequantize.h"

namespace nilm::runtime {

struct Model::Impl {
  model::Graph graph;
  std::string name;
  struct Node {
    const KernelEntry* kernel = nullptr;
    std::unique_ptr<OpState> state;
  };
  std::vector<Node> nodes;
  std::vector<TensorPlacement> places;
  std::size_t arena_bytes = 0, unshared_bytes = 0, scratch_shared = 0, scratch_per_thread = 0;
  std::size_t prepared_bytes = 0;
};

namespace {

// Tensors' lifetimes, RESHAPE aliasing, then one arena plan.
void plan_tensors(Model::Impl& m) {
  const model::Graph& g = m.graph;
  const int ops = int(g.ops.size());
  const int last = std::max(ops - 1, 0);
  auto& places = m.places;
  places.assign(g.tensors.size(), {});
  std::vector<bool> is_output(g.tensors.size(), false), is_input(g.tensors.size(), false);
  for (int t : g.outputs) is_output[std::size_t(t)] = true;
  for (int t : g.inputs) is_input[std::size_t(t)] = true;

  auto touch = [&](int t, int op) {
    auto& p = places[std::size_t(t)];
    if (p.kind == TensorPlacement::Kind::unused) {
      p.kind = TensorPlacement::Kind::arena;
      p.first_use = p.last_use = op;
    }
    p.first_use = std::min(p.first_use, op);
    p.last_use = std::max(p.last_use, op);
  };
  for (std::size_t t = 0; t < g.tensors.size(); ++t)
    if (g.tensors[t].is_constant()) {
      places[t].kind = TensorPlacement::Kind::constant;
      places[t].constant = g.tensors[t].data.data();
    }
  // Graph inputs and outputs live for the whole run: inputs survive invoke() and outputs are
  // never overwritten by a later op.
  for (int t : g.inputs) touch(t, 0), touch(t, last);
  for (int t : g.outputs)
    if (places[std::size_t(t)].kind != TensorPlacement::Kind::constant) touch(t, 0), touch(t, last);
  for (int i = 0; i < ops; ++i) {
    const model::Op& op = g.ops[std::size_t(i)];
    for (int t : op.inputs)
      if (t >= 0 && places[std::size_t(t)].kind != TensorPlacement::Kind::constant) touch(t, i);
    for (int t : op.outputs) touch(t, i);
  }
  // RESHAPE output shares its input's bytes (same size, same element order), unless it is a
  // graph output (whose bytes must not be clobbered) or the input is a graph output.
  auto root = [&](int t) {
    while (places[std::size_t(t)].alias_of >= 0) t = places[std::size_t(t)].alias_of;
    return t;
  };
  for (const model::Op& op : g.ops) {
    if (op.kind != model::OpKind::reshape) continue;
    const int in = op.inputs[0], out = op.outputs[0];
    if (is_output[std::size_t(out)] || is_input[std::size_t(out)]) continue;
    if (g.tensor(in).byte_size() != g.tensor(out).byte_size()) continue;
    auto& po = places[std::size_t(out)];
    const auto& pi = places[std::size_t(in)];
    if (pi.kind == TensorPlacement::Kind::constant) {
      po = pi;  // a reshaped constant is the constant
      continue;
    }
    const int r = root(in);
    auto& pr = places[std::size_t(r)];
    pr.first_use = std::min(pr.first_use, po.first_use);
    pr.last_use = std::max(pr.last_use, po.last_use);
    po.alias_of = r;
  }
  std::vector<BufferRequest> requests;
  std::vector<int> owner;
  for (std::size_t t = 0; t < places.size(); ++t) {
    const auto& p = places[t];
    if (p.kind != TensorPlacement::Kind::arena) continue;
    m.unshared_bytes += g.tensors[t].byte_size();
    if (p.alias_of >= 0) continue;
    requests.push_back({g.tensors[t].byte_size(), p.first_use, p.last_use});
    owner.push_back(int(t));
  }
  const ArenaPlan plan = plan_arena(requests);
  for (std::size_t i = 0; i < owner.size(); ++i) places[std::size_t(owner[i])].offset = plan.offsets[i];
  for (auto& p : places)
    if (p.alias_of >= 0) p.offset = places[std::size_t(p.alias_of)].offset;
  m.arena_bytes = plan.bytes;
}

}  // namespace

Model Model::from_graph(model::Graph graph, const CompileOptions& options, const std::string& name) {
  model::validate(graph, name);
  fold_constant_dequantize(graph);  // f16 / int8 constant weights feeding float ops
  auto m = std::make_shared<Impl>();
  m->graph = std::move(graph);
  m->name = name;
  const model::Graph& g = m->graph;
  m->nodes.resize(g.ops.size());
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    const model::Op& op = g.ops[i];
    PrepareContext ctx{g, op, int(i), {}, {}, nullptr, m->name};
    for (int t : op.inputs) ctx.inputs.push_back(t >= 0 ? &g.tensor(t) : nullptr);
    for (int t : op.outputs) ctx.outputs.push_back(&g.tensor(t));
    if (ctx.inputs.empty() || !ctx.inputs[0] || ctx.outputs.empty())
      fail(name + ": operator " + std::to_string(i) + " (" + model::op_name(op.kind) +
           "): needs an input and an output");
    const KernelEntry& e = select_kernel(ctx, options.tier, options.features);
    auto& node = m->nodes[i];
    node.kernel = &e;
    node.state = e.prepare(ctx);
    m->scratch_shared = std::max(m->scratch_shared, node.state->scratch_shared);
    m->scratch_per_thread = std::max(m->scratch_per_thread, node.state->scratch_per_thread);
    m->prepared_bytes += node.state->prepared_bytes;
  }
  plan_tensors(*m);
  Model model;
  model.impl_ = std::move(m);
  return model;
}

Model Model::load(const std::string& path, const CompileOptions& options) {
  return from_graph(model::load_tflite(path), options, path);
}

const model::Graph& Model::graph() const { return impl_->graph; }
const std::string& Model::name() const { return impl_->name; }
int Model::node_count() const { return int(impl_->nodes.size()); }
const KernelEntry& Model::kernel(int node) const { return *impl_->nodes.at(std::size_t(node)).kernel; }
const OpState& Model::state(int node) const { return *impl_->nodes.at(std::size_t(node)).state; }
const TensorPlacement& Model::placement(int tensor) const { return impl_->places.at(std::size_t(tensor)); }
std::size_t Model::arena_bytes() const { return impl_->arena_bytes; }
std::size_t Model::unshared_bytes() const { return impl_->unshared_bytes; }
std::size_t Model::scratch_shared_bytes() const { return impl_->scratch_shared; }
std::size_t Model::scratch_per_thread_bytes() const { return impl_->scratch_per_thread; }
std::size_t Model::prepared_bytes() const { return impl_->prepared_bytes; }

std::string Model::kernel_summary() const {
  std::vector<std::pair<std::string, int>> counts;
  for (const auto& n : impl_->nodes) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](auto& c) { return c.first == n.kernel->name; });
    if (it == counts.end()) counts.emplace_back(n.kernel->name, 1);
    else ++it->second;
  }
  std::string s;
  for (const auto& [name, count] : counts)
    s += (s.empty() ? "" : ", ") + name + " x" + std::to_string(count);
  return s;
}

}  // namespace nilm::runtime
