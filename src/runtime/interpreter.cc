#include "runtime/interpreter.h"

#include <chrono>

#include "core/error.h"
#include "runtime/arena_planner.h"

namespace nilm::runtime {

namespace {
std::size_t align_up(std::size_t v) { return (v + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }
}  // namespace

Interpreter::Interpreter(const Model& model, int threads) : model_(model), pool_(threads) {
  const model::Graph& g = model_.graph();
  // One allocation: planned tensors, then the largest shared scratch, then per-thread scratch.
  const std::size_t tensors = align_up(model_.arena_bytes());
  const std::size_t shared = align_up(model_.scratch_shared_bytes());
  const std::size_t per_thread = align_up(model_.scratch_per_thread_bytes());
  arena_size_ = tensors + shared + per_thread * std::size_t(pool_.size());
  storage_ = std::make_unique<std::byte[]>(arena_size_ + kArenaAlignment);
  const auto base = reinterpret_cast<std::uintptr_t>(storage_.get());
  arena_ = storage_.get() + (align_up(base) - base);
  scratch_shared_ = arena_ + tensors;
  scratch_threads_ = scratch_shared_ + shared;

  tensor_ptr_.assign(g.tensors.size(), nullptr);
  for (std::size_t t = 0; t < g.tensors.size(); ++t) {
    const auto& p = model_.placement(int(t));
    if (p.kind == TensorPlacement::Kind::arena) tensor_ptr_[t] = arena_ + p.offset;
    else if (p.kind == TensorPlacement::Kind::constant) tensor_ptr_[t] = const_cast<void*>(p.constant);
  }
  for (const model::Op& op : g.ops) {
    node_in_begin_.push_back(node_inputs_.size());
    // Padded to the op's maximum arity so kernels may test optional inputs for nullptr.
    const std::size_t arity = std::max<std::size_t>(op.inputs.size(), std::size_t(model::op_info(op.kind).max_inputs));
    for (std::size_t i = 0; i < arity; ++i) {
      const int t = i < op.inputs.size() ? op.inputs[i] : -1;
      node_inputs_.push_back(t >= 0 ? tensor_ptr_[std::size_t(t)] : nullptr);
    }
    node_out_begin_.push_back(node_outputs_.size());
    for (int t : op.outputs) node_outputs_.push_back(tensor_ptr_[std::size_t(t)]);
  }
}

Interpreter::~Interpreter() = default;

std::size_t Interpreter::input_count() const { return model_.graph().inputs.size(); }
std::size_t Interpreter::output_count() const { return model_.graph().outputs.size(); }

static void check_f32(const model::Graph& g, int t, const char* what, std::size_t i) {
  if (g.tensor(t).type != model::ElementType::f32)
    fail(std::string(what) + " " + std::to_string(i) + " ('" + g.tensor(t).name + "') is " +
         model::element_type_name(g.tensor(t).type) + ", not f32");
}

float* Interpreter::input(std::size_t i) {
  const model::Graph& g = model_.graph();
  if (i >= g.inputs.size()) fail("input " + std::to_string(i) + " does not exist");
  check_f32(g, g.inputs[i], "input", i);
  return static_cast<float*>(tensor_ptr_[std::size_t(g.inputs[i])]);
}

const float* Interpreter::output(std::size_t i) const {
  const model::Graph& g = model_.graph();
  if (i >= g.outputs.size()) fail("output " + std::to_string(i) + " does not exist");
  check_f32(g, g.outputs[i], "output", i);
  return static_cast<const float*>(tensor_ptr_[std::size_t(g.outputs[i])]);
}

std::size_t Interpreter::input_elements(std::size_t i) const {
  return std::size_t(model_.graph().tensor(model_.graph().inputs.at(i)).elements());
}
std::size_t Interpreter::output_elements(std::size_t i) const {
  return std::size_t(model_.graph().tensor(model_.graph().outputs.at(i)).elements());
}

const void* Interpreter::tensor_data(int index) const { return tensor_ptr_.at(std::size_t(index)); }

void Interpreter::invoke() {
  const int nodes = model_.node_count();
  const auto& ops = model_.graph().ops;
  for (int i = 0; i < nodes; ++i) {
    const KernelEntry& k = model_.kernel(i);
    const EvalContext ctx{node_inputs_.data() + node_in_begin_[std::size_t(i)],
                          node_outputs_.data() + node_out_begin_[std::size_t(i)], pool_,
                          scratch_shared_, scratch_threads_};
    if (!observer_) {
      k.eval(model_.state(i), ctx);
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    k.eval(model_.state(i), ctx);
    const auto t1 = std::chrono::steady_clock::now();
    observer_(observer_user_, {i, ops[std::size_t(i)].kind, k.name,
                               std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()});
  }
}

}  // namespace nilm::runtime
