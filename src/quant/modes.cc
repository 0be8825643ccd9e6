#include "quant/modes.h"

#include <array>

#include "core/error.h"

namespace nilm::quant {
namespace {

using model::ElementType;

// clang-format off
constexpr std::array<ModeTraits, 6> kModes = {{
  //  mode                  name              description
  //  calib  int8 w  hybrid  f16    fallback  activation        bias              bits
  {Mode::convert_only,   "convert_only",   "float32 weights and activations (plain conversion)",
   false, false, false, false, false, ElementType::f32, ElementType::f32, 0},
  {Mode::w8,             "w8",             "int8 weights, float activations: conv/dense inputs quantized per inference (dynamic range)",
   false, true,  true,  false, false, ElementType::f32, ElementType::f32, 0},
  {Mode::w8_a8_fallback, "w8_a8_fallback", "int8 weights and activations where nilm's runtime has an integer kernel, float elsewhere",
   true,  true,  false, false, true,  ElementType::i8,  ElementType::i32, 8},
  {Mode::w8_a8,          "w8_a8",          "int8 weights and activations (full integer; the precision plan keeps a few ops float)",
   true,  true,  false, false, false, ElementType::i8,  ElementType::i32, 8},
  {Mode::w8_a16,         "w8_a16",         "int8 weights, int16 activations, int64 biases (TFLite's 16x8 mode)",
   true,  true,  false, false, false, ElementType::i16, ElementType::i64, 16},
  {Mode::f16,            "f16",            "float16 weights dequantized at load, float32 activations",
   false, false, false, true,  false, ElementType::f32, ElementType::f32, 0},
}};
// clang-format on

}  // namespace

std::span<const ModeTraits> all_modes() { return kModes; }

const ModeTraits& traits(Mode mode) {
  for (const auto& t : kModes)
    if (t.mode == mode) return t;
  fail("quantization mode " + std::to_string(int(mode)) + " is unknown");
}

std::string mode_names() {
  std::string s;
  for (const auto& t : kModes) s += (s.empty() ? "" : ", ") + std::string(t.name);
  return s;
}

Mode parse_mode(const std::string& name) {
  for (const auto& t : kModes)
    if (name == t.name) return t.mode;
  fail("unknown quantization mode '" + name + "' (valid: " + mode_names() + ")");
}

}  // namespace nilm::quant
