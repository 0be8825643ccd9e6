// Converted models are real TFLite: full-size CNN and transformer checkpoints (the trainer's
// names, shapes and layer table, random weights) converted by nilm_convert, run in LiteRT.js
// (TFLite compiled to WebAssembly, tests/peers/litert_run.mjs) and by nilm's runtime on the
// same aggregate-like windows; the two must agree within 1e-4 of the output range.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "convert/aggregate_windows.h"
#include "convert/convert.h"
#include "convert/random_checkpoint.h"
#include "model/tflite.h"
#include "runtime/model.h"
#include "runtime/window_runner.h"
#include "peer_files.h"

namespace nilm::convert::testing {
namespace {

namespace fs = std::filesystem;

using test_peers::env_or;
using test_peers::read_bytes;

constexpr int kWindows = 8;  // one run of a batch-8 model

TEST(ConvertLiteRt, ConvertedModelsRunInLiteRtAndMatchOurs) {
  const fs::path dir = fs::path(::testing::TempDir()) / "nilm_convert_litert";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<std::string> archs = {"cnn", "transformer"};
  std::ofstream jobs(dir / "jobs.txt");
  std::vector<std::vector<float>> ours;
  for (const auto& arch : archs) {
    const train::ModelSpec spec = train::default_spec(arch);
    RandomCheckpoint ckpt(spec, arch == "cnn" ? 21 : 22);
    ConvertOptions options;
    options.batch = kWindows;
    const fs::path base = dir / arch;
    model::Graph graph = checkpoint_to_graph(ckpt.file, arch + ".nilmckpt", options);
    model::save_tflite(graph, base.string() + ".tflite");
    const std::vector<float> windows = aggregate_windows(kWindows, spec.window, 7);
    std::ofstream(base.string() + ".in", std::ios::binary)
        .write(reinterpret_cast<const char*>(windows.data()), std::streamsize(windows.size() * 4));
    jobs << base.string() << ".tflite " << base.string() << ".in " << base.string() << ".out\n";
    const runtime::Model model = runtime::Model::load(base.string() + ".tflite");
    runtime::WindowRunner runner(model, 1);
    ours.emplace_back(kWindows);
    runner.predict(windows.data(), kWindows, ours.back().data());
  }
  jobs.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_PEERS_DIR", NILM_PEERS_DIR) +
                              "/litert_run.mjs --batch " + (dir / "jobs.txt").string() + " > " +
                              (dir / "log.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "LiteRT.js runner failed:\n" << read_bytes(dir / "log.txt");
  for (std::size_t a = 0; a < archs.size(); ++a) {
    const fs::path base = dir / archs[a];
    ASSERT_FALSE(fs::exists(base.string() + ".out.error"))
        << archs[a] << ": LiteRT.js refused the converted file: " << read_bytes(base.string() + ".out.error");
    const std::string bytes = read_bytes(base.string() + ".out");
    ASSERT_EQ(bytes.size(), std::size_t(kWindows) * 4) << archs[a];
    std::vector<float> litert(kWindows);
    std::memcpy(litert.data(), bytes.data(), bytes.size());
    const auto [lo, hi] = std::minmax_element(ours[a].begin(), ours[a].end());
    const double range = double(*hi) - double(*lo);
    double worst = 0;
    for (int i = 0; i < kWindows; ++i) worst = std::max(worst, std::abs(double(litert[std::size_t(i)]) - ours[a][std::size_t(i)]));
    std::printf("%-12s %d windows: output range %.5g, max |LiteRT.js - nilm| %.3g (%.3g of the range)\n",
                archs[a].c_str(), kWindows, range, worst, worst / range);
    ASSERT_GT(range, 1e-3) << archs[a] << ": the windows do not exercise the model";
    EXPECT_LE(worst, 1e-4 * range) << archs[a];
  }
}

}  // namespace
}  // namespace nilm::convert::testing
