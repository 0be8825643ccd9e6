// Quantization modes: one row of traits per mode (like ggml's type traits), so everything that
// differs between modes (weight, activation and bias types, calibration, hybrid ops) is read
// from the table instead of switched on in every function.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "model/graph.h"

namespace nilm::quant {

enum class Mode : std::uint8_t { convert_only, w8, w8_a8_fallback, w8_a8, w8_a16, f16 };

struct ModeTraits {
  Mode mode;
  const char* name;         // "w8_a8", as `--mode` takes it and nilm.quantization stores it
  const char* description;  // one line for --help and docs
  bool needs_calibration;   // activation ranges are needed (integer activations)
  bool quantizes_weights;   // int8 weights (conv / dense)
  bool hybrid;              // dynamic-range ops: f32 activations x int8 weights
  bool float16_weights;     // f16 constants + DEQUANTIZE
  bool fallback_to_kernels; // an op stays float unless the runtime has an integer kernel for it
  model::ElementType activation;  // integer activation type (f32 when activations stay float)
  model::ElementType bias;        // conv / dense bias type next to integer activations
  int activation_bits;            // 8 / 16 (0: float activations): what calibration optimises for
};

std::span<const ModeTraits> all_modes();
const ModeTraits& traits(Mode mode);
Mode parse_mode(const std::string& name);  // nilm::Error listing the valid names
std::string mode_names();                  // "convert_only, w8, ..." (help texts, errors)

}  // namespace nilm::quant
