// Every quantization mode of both models is real TFLite: full-size CNN and transformer
// checkpoints (random weights, the trainer's layer table) converted, calibrated on
// aggregate-like windows, quantized in each mode and run in LiteRT.js (TFLite compiled to
// WebAssembly, tests/peers/litert_run.mjs) with float32 model I/O. LiteRT.js must accept every
// file and its outputs must stay close to the float model's (bounds per mode below, relative to
// the float output range); where nilm's runtime has the kernels, nilm must agree with LiteRT.js.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "convert/aggregate_windows.h"
#include "core/error.h"
#include "convert/convert.h"
#include "convert/random_checkpoint.h"
#include "model/tflite.h"
#include "quant/calibration.h"
#include "quant/quantize.h"
#include "runtime/model.h"
#include "runtime/window_runner.h"

namespace nilm::quant::testing {
namespace {

namespace fs = std::filesystem;
using convert::testing::aggregate_windows;
using convert::testing::RandomCheckpoint;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr int kWindows = 8;        // one run of a batch-8 model
constexpr int kCalibration = 128;  // calibration windows (another draw than the test windows)

// Largest |quantized - float| allowed, relative to the float output's magnitude (max |y|; the
// random transformer's outputs vary little between windows, so its range would say nothing).
// Random weights are harder to quantize than trained ones (no structure, wide ranges): these
// bounds catch a broken rewrite, not accuracy, which `nilm evaluate` measures.
double bound(Mode mode) {
  switch (mode) {
    case Mode::convert_only: return 1e-5;
    case Mode::f16: return 3e-3;
    default: return 0.1;
  }
}

TEST(QuantLiteRt, EveryModeOfBothModelsRunsInLiteRtCloseToFloat) {
  const fs::path dir = fs::path(::testing::TempDir()) / "nilm_quant_litert";
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Job {
    std::string arch;
    Mode mode;
    fs::path base;
    std::vector<float> ours;  // nilm's runtime, when it has the kernels
  };
  std::vector<Job> jobs;
  std::map<std::string, std::vector<float>> float_out;
  std::ofstream list(dir / "jobs.txt");
  for (const std::string arch : {"cnn", "transformer"}) {
    const train::ModelSpec spec = train::default_spec(arch);
    RandomCheckpoint ckpt(spec, arch == "cnn" ? 21 : 22);
    convert::ConvertOptions copt;
    copt.batch = kWindows;
    const model::Graph graph = convert::checkpoint_to_graph(ckpt.file, arch + ".nilmckpt", copt);
    const std::vector<float> calib = aggregate_windows(kCalibration, spec.window, 3);
    const std::vector<float> windows = aggregate_windows(kWindows, spec.window, 7);
    CalibrationOptions calopt;
    const Calibration cal = calibrate(graph, calib.data(), kCalibration, calopt);
    for (const auto& t : all_modes()) {
      QuantizeOptions qo;
      qo.mode = t.mode;
      const model::Graph q = quantize(graph, cal, qo);
      Job job{arch, t.mode, dir / (arch + "_" + t.name), {}};
      model::save_tflite(q, job.base.string() + ".tflite");
      std::ofstream(job.base.string() + ".in", std::ios::binary)
          .write(reinterpret_cast<const char*>(windows.data()), std::streamsize(windows.size() * 4));
      list << job.base.string() << ".tflite " << job.base.string() << ".in " << job.base.string() << ".out\n";
      try {
        const runtime::Model m = runtime::Model::load(job.base.string() + ".tflite");
        runtime::WindowRunner runner(m, 1);
        job.ours.resize(kWindows);
        runner.predict(windows.data(), kWindows, job.ours.data());
      } catch (const Error& e) {
        std::printf("%-12s %-15s nilm's runtime cannot run it yet: %s\n", arch.c_str(), t.name, e.what());
      }
      if (t.mode == Mode::convert_only) float_out[arch] = job.ours;
      jobs.push_back(std::move(job));
    }
  }
  list.close();
  const std::string command = env_or("NILM_NODE", "node") + " " + env_or("NILM_PEERS_DIR", NILM_PEERS_DIR) +
                              "/litert_run.mjs --batch " + (dir / "jobs.txt").string() + " > " +
                              (dir / "log.txt").string() + " 2>&1";
  std::system(command.c_str());  // refusals are reported per job below
  for (const Job& job : jobs) {
    const char* name = traits(job.mode).name;
    const fs::path error = job.base.string() + ".out.error";
    EXPECT_FALSE(fs::exists(error)) << job.arch << " " << name << ": LiteRT.js refused it: " << read_bytes(error);
    if (fs::exists(error)) continue;
    const std::string bytes = read_bytes(job.base.string() + ".out");
    ASSERT_EQ(bytes.size(), std::size_t(kWindows) * 4) << job.arch << " " << name << "\n" << read_bytes(dir / "log.txt");
    std::vector<float> litert(kWindows);
    std::memcpy(litert.data(), bytes.data(), bytes.size());
    const std::vector<float>& ref = float_out.at(job.arch);
    const auto [lo, hi] = std::minmax_element(ref.begin(), ref.end());
    const double range = double(*hi) - double(*lo);
    double worst = 0, worst_ours = 0;
    for (int i = 0; i < kWindows; ++i) {
      worst = std::max(worst, std::abs(double(litert[std::size_t(i)]) - ref[std::size_t(i)]));
      if (!job.ours.empty())
        worst_ours = std::max(worst_ours, std::abs(double(litert[std::size_t(i)]) - job.ours[std::size_t(i)]));
    }
    double magnitude = 0;
    for (float v : ref) magnitude = std::max(magnitude, std::abs(double(v)));
    std::printf("%-12s %-15s max |LiteRT.js - float| %.3g (%.3g of the range %.4g, max |float| %.4g)%s\n",
                job.arch.c_str(), name, worst, worst / range, range, magnitude,
                job.ours.empty() ? "" : (", |LiteRT.js - nilm| " + std::to_string(worst_ours / range)).c_str());
    ASSERT_GT(range, 1e-3) << job.arch << ": the windows do not exercise the model";
    EXPECT_LE(worst, bound(job.mode) * magnitude) << job.arch << " " << name;
  }
}

}  // namespace
}  // namespace nilm::quant::testing
