#include "loader_fuzz.h"

#include <cstring>
#include <random>
#include <stdexcept>

#include "core/error.h"
#include "model/model_info.h"
#include "model/tflite.h"
#include "reference_eval.h"
#include "test_graphs.h"

namespace nilm::model::testing {

namespace {

using Bytes = std::vector<std::uint8_t>;

// One corruption of `bytes`, chosen at random among the kinds a damaged or hostile file shows.
Bytes mutate(const Bytes& original, std::mt19937_64& rng) {
  Bytes b = original;
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  auto byte = [&] { return static_cast<std::uint8_t>(pick(256)); };
  const std::uint32_t specials[] = {0u, 1u, 2u, 3u, 4u, 0x7fu, 0x80u, 0xffu, 0x7fffu, 0xffffu, 0x7fffffffu,
                                    0x80000000u, 0xffffffffu, 0xfffffffeu, static_cast<std::uint32_t>(b.size()),
                                    static_cast<std::uint32_t>(b.size() - 4)};
  switch (pick(8)) {
    case 0:  // flip a few random bits
      for (std::size_t k = 1 + pick(8); k > 0; --k) b[pick(b.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
      break;
    case 1:  // random bytes somewhere
      for (std::size_t k = 1 + pick(16); k > 0; --k) b[pick(b.size())] = byte();
      break;
    case 2: {  // an aligned 32-bit word (offset, length, index, dimension) set to a special value
      for (std::size_t k = 1 + pick(3); k > 0; --k) {
        const std::size_t at = pick(b.size() / 4) * 4;
        const std::uint32_t v = specials[pick(std::size(specials))];
        std::memcpy(&b[at], &v, 4);
      }
      break;
    }
    case 3: {  // a word nudged by a small amount (off-by-one offsets and lengths)
      const std::size_t at = pick(b.size() / 4) * 4;
      std::uint32_t v;
      std::memcpy(&v, &b[at], 4);
      v += static_cast<std::uint32_t>(static_cast<int>(pick(17)) - 8);
      std::memcpy(&b[at], &v, 4);
      break;
    }
    case 4:  // truncation
      b.resize(pick(b.size()));
      break;
    case 5: {  // a chunk copied over another place (duplicated tables, crossed offsets)
      const std::size_t len = 1 + pick(64);
      if (len < b.size()) {
        const std::size_t from = pick(b.size() - len), to = pick(b.size() - len);
        std::memmove(&b[to], &original[from], len);
      }
      break;
    }
    case 6:  // the header region (root offset, vtables of the root) damaged
      for (std::size_t k = 1 + pick(4); k > 0; --k) b[pick(std::min<std::size_t>(64, b.size()))] = byte();
      break;
    default: {  // pure garbage, sometimes with the right identifier
      b.assign(pick(4096) + 1, 0);
      for (auto& x : b) x = byte();
      if (b.size() >= 8 && pick(2)) std::memcpy(&b[4], "TFL3", 4);
      break;
    }
  }
  return b;
}

std::int64_t activation_elements(const Graph& g) {
  std::int64_t total = 0;
  for (const Tensor& t : g.tensors)
    if (!t.is_constant()) total += t.elements();
  return total;
}

}  // namespace

std::vector<std::uint8_t> fuzz_seed_model(int which) {
  Graph g = which == 0 ? cnn_graph(7, 40, 0.125) : transformer_graph(7, 24, 16, 1);
  ModelInfo info;
  info.appliance = "kettle";
  info.architecture = which == 0 ? "cnn" : "transformer";
  info.window = which == 0 ? 40 : 24;
  info.max_power_w = 3100;
  info.on_threshold_w = 2000;
  info.min_on_s = 12;
  info.training = "{\"houses\": [\"House3\"]}";
  set_model_info(g, info);
  return write_tflite(g);
}

FuzzStats fuzz_loader(const std::vector<std::uint8_t>& model, int iterations, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  FuzzStats stats;
  for (int i = 0; i < iterations; ++i) {
    const Bytes variant = mutate(model, rng);
    // A fresh heap copy of exactly the variant's size, so ASan sees any read past its end.
    std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[std::max<std::size_t>(variant.size(), 1)]);
    if (!variant.empty()) std::memcpy(exact.get(), variant.data(), variant.size());
    ++stats.variants;
    Graph g;
    try {
      g = parse_tflite(exact.get(), variant.size(), "variant" + std::to_string(i) + ".tflite");
    } catch (const Error& e) {
      ++stats.rejected;
      if (stats.sample_errors.size() < 12) stats.sample_errors.push_back(e.what());
      continue;
    } catch (const std::exception& e) {
      throw std::runtime_error("variant " + std::to_string(i) + ": the loader threw a non-nilm exception: " + e.what());
    }
    // Accepted: it must be a consistent graph that survives a write/load round trip...
    exact.reset();  // the graph owns copies of its constants (no keeper given)
    validate(g, "accepted variant");
    const Bytes rewritten = write_tflite(g);
    const Graph again = parse_tflite(rewritten.data(), rewritten.size(), "rewritten variant");
    std::string difference;
    if (!same_graph(g, again, &difference))
      throw std::runtime_error("variant " + std::to_string(i) + " does not round-trip: " + difference);
    ++stats.loaded;
    // ...and small enough ones must evaluate (kernels trust the validated shapes).
    if (activation_elements(g) < 2'000'000) {
      reference_eval(g, random_inputs(g, static_cast<std::uint64_t>(i)));
      ++stats.evaluated;
    }
    try {
      model_info(g, "accepted variant");  // may refuse damaged metadata, must not crash
    } catch (const Error&) {
    }
  }
  return stats;
}

}  // namespace nilm::model::testing
