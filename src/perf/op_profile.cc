#include "perf/op_profile.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/error.h"
#include "model/graph.h"

namespace nilm::perf {
namespace {

// Fills percent and cumulative percent of rows already sorted slowest first.
template <class Row>
void fill_percentages(std::vector<Row>& rows, double total_ms) {
  double cumulative = 0;
  for (auto& r : rows) {
    r.percent = total_ms > 0 ? 100.0 * r.avg_ms / total_ms : 0.0;
    cumulative += r.avg_ms;
    r.cumulative_percent = total_ms > 0 ? 100.0 * cumulative / total_ms : 0.0;
  }
}

}  // namespace

OpProfile aggregate_profile(const std::vector<NodeSample>& nodes, std::size_t runs) {
  if (runs == 0) fail("op profile of zero runs");
  OpProfile p;
  p.runs = runs;
  const double per_run = 1.0 / double(runs);
  std::map<std::string, OpTypeTiming> types;
  std::vector<std::string> type_order;  // first appearance, for stable ties
  for (const auto& n : nodes) {
    NodeTiming t;
    t.node = n.node;
    t.op = n.op;
    t.kernel = n.kernel;
    t.name = n.name;
    t.avg_ms = double(n.total_ns) * 1e-6 * per_run;
    t.times_called = double(n.calls) * per_run;
    p.by_node.push_back(t);
    p.ops_ms += t.avg_ms;
    auto [it, inserted] = types.try_emplace(n.op);
    if (inserted) {
      it->second.op = n.op;
      type_order.push_back(n.op);
    }
    it->second.count += 1;
    it->second.avg_ms += t.avg_ms;
    it->second.times_called += t.times_called;
  }
  std::stable_sort(p.by_node.begin(), p.by_node.end(),
                   [](const NodeTiming& a, const NodeTiming& b) { return a.avg_ms > b.avg_ms; });
  for (const auto& name : type_order) p.by_type.push_back(types[name]);
  std::stable_sort(p.by_type.begin(), p.by_type.end(),
                   [](const OpTypeTiming& a, const OpTypeTiming& b) { return a.avg_ms > b.avg_ms; });
  fill_percentages(p.by_node, p.ops_ms);
  fill_percentages(p.by_type, p.ops_ms);
  return p;
}

OpProfiler::OpProfiler(runtime::Interpreter& interpreter) : interpreter_(interpreter) {
  const runtime::Model& model = interpreter.model();
  const model::Graph& graph = model.graph();
  for (int i = 0; i < model.node_count(); ++i) {
    const model::Op& op = graph.ops[std::size_t(i)];
    NodeSample s;
    s.node = i;
    s.op = model::op_name(op.kind);
    s.kernel = model.kernel(i).name;
    if (!op.outputs.empty() && op.outputs[0] >= 0) s.name = graph.tensor(op.outputs[0]).name;
    samples_.push_back(std::move(s));
  }
  interpreter_.set_observer(&OpProfiler::observe, this);
}

OpProfiler::~OpProfiler() { interpreter_.set_observer(nullptr, nullptr); }

void OpProfiler::observe(void* self, const runtime::OpEvent& event) {
  auto& samples = static_cast<OpProfiler*>(self)->samples_;
  if (event.node < 0 || std::size_t(event.node) >= samples.size()) return;
  NodeSample& s = samples[std::size_t(event.node)];
  s.total_ns += event.elapsed_ns;
  s.calls += 1;
}

OpProfile profile_runs(runtime::Interpreter& interpreter, std::size_t runs) {
  OpProfiler profiler(interpreter);
  std::int64_t invoke_ns = 0;
  for (std::size_t r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    interpreter.invoke();
    invoke_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  }
  OpProfile p = aggregate_profile(profiler.samples(), runs);
  p.invoke_ms = double(invoke_ns) * 1e-6 / double(runs);
  return p;
}

}  // namespace nilm::perf
