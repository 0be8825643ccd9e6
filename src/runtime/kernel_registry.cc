#include "runtime/kernel_registry.h"

#include <cstring>

#include "core/error.h"

namespace nilm::runtime {

std::span<const KernelEntry> kernel_table() {
  static const std::vector<KernelEntry> table = [] {
    std::vector<KernelEntry> all;
    for (auto family : {conv_kernels(), pool_kernels(), fully_connected_kernels(),
                        elementwise_kernels(), shape_kernels(), matmul_kernels(),
                        quantize_kernels(), conv_int_kernels(), fully_connected_int_kernels(),
                        matmul_int_kernels(), pool_int_kernels(),
                        elementwise_int_kernels(), activation_int_kernels()})
      all.insert(all.end(), family.begin(), family.end());
    return all;
  }();
  return table;
}

const KernelEntry* find_kernel(const std::string& name) {
  for (const auto& e : kernel_table())
    if (name == e.name) return &e;
  return nullptr;
}

const kernels::MicroKernels* micro_kernels(MicroSet set) {
  switch (set) {
    case MicroSet::none: return nullptr;
    case MicroSet::portable: return &kernels::portable_micro_kernels();
    case MicroSet::avx2: return kernels::avx2_micro_kernels();
    case MicroSet::avx512: return kernels::avx512_micro_kernels();
    case MicroSet::neon: return kernels::neon_micro_kernels();
  }
  return nullptr;
}

static model::ElementType weights_type(const PrepareContext& ctx) {
  const model::Tensor* w = ctx.inputs.size() > 1 && ctx.inputs[1] ? ctx.inputs[1] : ctx.inputs[0];
  return w->type;
}

const KernelEntry& select_kernel(PrepareContext& ctx, Tier tier, CpuFeatures features) {
  const model::ElementType in = ctx.inputs[0]->type, w = weights_type(ctx),
                           out = ctx.outputs[0]->type;
  const KernelEntry* best = nullptr;
  for (const auto& e : kernel_table()) {
    if (e.op != ctx.op.kind || e.input != in || e.weights != w || e.output != out) continue;
    if (tier == Tier::reference && !e.is_reference()) continue;
    if ((e.needs & features) != e.needs) continue;
    if (e.micro != MicroSet::none && !micro_kernels(e.micro)) continue;
    if (best && e.priority <= best->priority) continue;
    ctx.micro = micro_kernels(e.micro);
    if (e.supports && !e.supports(ctx)) continue;
    best = &e;
  }
  if (!best)
    fail(ctx.where + ": operator " + std::to_string(ctx.node) + " (" + model::op_name(ctx.op.kind) +
         "): no kernel for input " + model::element_type_name(in) + ", weights " +
         model::element_type_name(w) + ", output " + model::element_type_name(out));
  ctx.micro = micro_kernels(best->micro);
  return *best;
}

}  // namespace nilm::runtime
