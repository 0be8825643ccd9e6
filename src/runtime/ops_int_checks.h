// What the integer element-wise adapters (ops_elementwise_int.cc, ops_activation_int.cc) check
// before deriving TFLite's parameters: a tensor's per-tensor grid, int16 symmetry, TFLite's
// fixed output grids. Each failure is one fail_op naming the op and the tensor.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "runtime/op_util_int.h"

namespace nilm::runtime {

inline std::string scale_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

struct TensorGrid {
  float scale = 1.f;
  std::int32_t zero_point = 0;
};

inline TensorGrid grid_of(const PrepareContext& ctx, const model::Tensor& t, const char* role) {
  return {tensor_scale(ctx, t, role), tensor_zero_point(ctx, t, role)};
}

inline void require_symmetric(const PrepareContext& ctx, const model::Tensor& t, const TensorGrid& g) {
  if (g.zero_point != 0)
    fail_op(ctx, "int16 tensor '" + t.name + "' must have zero point 0 (TFLite's int16 kernels are symmetric)");
}

// TFLite's fixed output grids, checked as its Prepare checks them: the scale within a relative
// `tolerance` of `scale` (0: exactly), and the zero point when given.
inline void require_output_grid(const PrepareContext& ctx, const TensorGrid& g, double scale,
                                std::optional<std::int32_t> zp, double tolerance) {
  if (std::abs(double(g.scale) - scale) > tolerance * scale || (zp && g.zero_point != *zp))
    fail_op(ctx, "output must have scale " + scale_text(scale) + (zp ? " and zero point " + std::to_string(*zp) : "") +
                     " (TFLite's fixed output quantization), got " + scale_text(g.scale) + " and " +
                     std::to_string(g.zero_point));
}

}  // namespace nilm::runtime
