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
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include "convert/aggregate_windows.h"
#include "core/error.h"
#include "convert/convert.h"
#include "convert/random_checkpoint.h"
#include "model/tflite.h"
#include "probes.h"
#include "quant/calibration.h"
#include "quant/quantize.h"
#include "runtime/model.h"
#include "runtime/interpreter.h"
#include "peer_files.h"

namespace nilm::quant::testing {
namespace {

namespace fs = std::filesystem;
using convert::testing::aggregate_windows;
using convert::testing::RandomCheckpoint;

using test_peers::env_or;
using test_peers::read_bytes;

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
  // Per process: two runs of the suite on one machine must not delete each other's models.
  const fs::path dir = fs::path(::testing::TempDir()) / ("nilm_quant_litert_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct Job {
    std::string arch;
    Mode mode;
    fs::path base;
    std::vector<Probe> probes;
    std::vector<std::vector<float>> ours;  // nilm's runtime, every output, when it has the kernels
    std::string ours_error;
    bool layer_norms = false;  // float RSQRTs: normalizations computed in float
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
      Job job{arch, t.mode, dir / (arch + "_" + t.name), {}, {}, {}};
      const model::Graph q = with_probes(quantize(graph, cal, qo), job.probes);
      for (const model::Op& op : q.ops) job.layer_norms |= op.kind == model::OpKind::rsqrt;
      model::save_tflite(q, job.base.string() + ".tflite");
      std::ofstream(job.base.string() + ".in", std::ios::binary)
          .write(reinterpret_cast<const char*>(windows.data()), std::streamsize(windows.size() * 4));
      list << job.base.string() << ".tflite " << job.base.string() << ".in " << job.base.string() << ".out\n";
      try {
        const runtime::Model m = runtime::Model::load(job.base.string() + ".tflite");
        runtime::Interpreter run(m, 1);
        std::copy(windows.begin(), windows.end(), run.input(0));
        run.invoke();
        for (std::size_t o = 0; o < run.output_count(); ++o)
          job.ours.emplace_back(run.output(o), run.output(o) + run.output_elements(o));
      } catch (const Error& e) {
        job.ours_error = e.what();
      }
      if (t.mode == Mode::convert_only) float_out[arch] = job.ours.at(0);
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
    std::vector<float> all(bytes.size() / 4);
    std::memcpy(all.data(), bytes.data(), all.size() * 4);
    ASSERT_GE(all.size(), std::size_t(kWindows)) << job.arch << " " << name << "\n" << read_bytes(dir / "log.txt");
    const std::vector<float> litert(all.begin(), all.begin() + kWindows);
    const std::vector<float>& ref = float_out.at(job.arch);
    const auto [lo, hi] = std::minmax_element(ref.begin(), ref.end());
    const double range = double(*hi) - double(*lo);
    double worst = 0, magnitude = 0;
    for (int i = 0; i < kWindows; ++i) {
      worst = std::max(worst, std::abs(double(litert[std::size_t(i)]) - ref[std::size_t(i)]));
      magnitude = std::max(magnitude, std::abs(double(ref[std::size_t(i)])));
    }
    std::printf("%-12s %-15s max |LiteRT.js - float| %.3g (%.3g of max |float| %.4g; output range %.4g)\n",
                job.arch.c_str(), name, worst, worst / magnitude, magnitude, range);
    ASSERT_GT(range, 1e-3) << job.arch << ": the windows do not exercise the model";
    EXPECT_LE(worst, bound(job.mode) * magnitude) << job.arch << " " << name;

    // nilm's runtime against LiteRT.js: the model output, then every integer layer in steps
    if (job.ours.empty()) {
      std::printf("%-12s %-15s nilm's runtime cannot run it: %s\n", job.arch.c_str(), name, job.ours_error.c_str());
      ADD_FAILURE() << job.arch << " " << name << ": nilm's runtime cannot run it: " << job.ours_error;
      continue;
    }
    double out_diff = 0;
    for (int i = 0; i < kWindows; ++i)
      out_diff = std::max(out_diff, std::abs(double(litert[std::size_t(i)]) - job.ours[0][std::size_t(i)]));
    // Each integer kernel may differ from TFLite's by one step (LiteRT.js runs XNNPACK, whose
    // requantization rounds in float), and those steps add up layer after layer: a layer may
    // differ by at most one step per integer layer computed up to it. Float islands (the
    // transformer's layer norms divide by a standard deviation) amplify differences, so past
    // the first one only the model output is bounded: by the quantization error itself.
    std::size_t offset = kWindows;
    double worst_steps = 0;
    int depth = 0;
    bool island = false;
    std::set<std::string> seen;
    std::string worst_layer, first_off;
    for (std::size_t p = 0; p < job.probes.size(); ++p) {
      const Probe& probe = job.probes[p];
      const std::vector<float>& mine = job.ours.at(p + 1);
      ASSERT_LE(offset + mine.size(), all.size());
      double steps = 0;
      for (std::size_t i = 0; i < mine.size(); ++i)
        steps = std::max(steps, std::abs(double(all[offset + i]) - mine[i]) / probe.scale);
      offset += mine.size();
      // a QUANTIZE of a float tensor other than the input ends a float island
      const std::string base = probe.name.substr(0, probe.name.find('/'));
      if (probe.kind == model::OpKind::quantize && !seen.count(base) && base != "aggregate") island = true;
      seen.insert(probe.name);
      const bool computes = probe.kind != model::OpKind::reshape && probe.kind != model::OpKind::transpose &&
                            probe.kind != model::OpKind::max_pool2d && probe.kind != model::OpKind::quantize;
      depth += computes;
      if (std::getenv("NILM_QUANT_LAYERS"))
        std::printf("  %s %s %-40s %8.2f steps (depth %d%s)\n", job.arch.c_str(), name, probe.name.c_str(), steps,
                    depth, island ? ", after a float island" : "");
      if (steps > worst_steps) {
        worst_steps = steps;
        worst_layer = probe.name;
      }
      if (!island && steps > std::max(depth, 1) + 0.001 && first_off.empty())
        first_off = probe.name + " (" + std::to_string(steps) + " steps at depth " + std::to_string(depth) + ")";
    }
    std::printf("%-12s %-15s |LiteRT.js - nilm|: output %.3g; %zu integer layers, worst %.2f steps (%s)%s%s\n",
                job.arch.c_str(), name, out_diff, job.probes.size(), worst_steps, worst_layer.c_str(),
                first_off.empty() ? "" : ", beyond its bound: ", first_off.c_str());
    EXPECT_TRUE(first_off.empty()) << job.arch << " " << name << ": " << first_off;
    if (island) {
      EXPECT_LE(out_diff, std::max(worst, 1e-4 * magnitude)) << job.arch << " " << name;
    }
    // Hybrid (w8) ops quantize their float inputs per row at run time. Where a layer norm feeds
    // them (the transformer), LiteRT.js's float sums differ from ours in the last bits, which
    // moves a few inputs of the next hybrid FULLY_CONNECTED to the neighbouring int8 step (its
    // first CONV_2D agrees to 7e-8). Those steps add up like the float islands above: the
    // output is bounded by the quantization error itself (measured 0.0011 of 0.0122).
    const bool hybrid_after_norms = job.mode == Mode::w8 && job.layer_norms;
    if (job.probes.empty()) {
      EXPECT_LE(out_diff, hybrid_after_norms ? std::max(worst, 1e-4 * magnitude) : 1e-4 * magnitude)
          << job.arch << " " << name;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace nilm::quant::testing
