// Our .tflite files are real TFLite: every op kind, the NILM CNN and the transformer, written
// by nilm's writer, run in LiteRT.js (TFLite's kernels compiled to WebAssembly) and agree with
// the independent double-precision reference (tests/model/reference_eval.cc) within 1e-4
// relative to the output's magnitude. LiteRT.js refusing a file fails the test with its message.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/tflite.h"
#include "reference_eval.h"
#include "test_graphs.h"

namespace nilm::model::testing {
namespace {

namespace fs = std::filesystem;

constexpr double tolerance = 1e-4;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Job {
  std::string name;
  Graph graph;
  std::vector<std::vector<float>> inputs;
};

void write_floats(const std::string& path, const std::vector<std::vector<float>>& parts) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& p : parts) out.write(reinterpret_cast<const char*>(p.data()), static_cast<std::streamsize>(p.size() * 4));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs every job in one LiteRT.js process; checks each against the reference.
void run_and_compare(const std::vector<Job>& jobs, const std::string& batch_name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("nilm_litert_" + batch_name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream list(dir / "jobs.txt");
  for (const Job& job : jobs) {
    const fs::path base = dir / job.name;
    save_tflite(job.graph, base.string() + ".tflite");
    write_floats(base.string() + ".in", job.inputs);
    list << base.string() << ".tflite " << base.string() << ".in " << base.string() << ".out\n";
  }
  list.close();

  const std::string peers = env_or("NILM_PEERS_DIR", NILM_PEERS_DIR);
  const std::string command = env_or("NILM_NODE", "node") + " " + peers + "/litert_run.mjs --batch " +
                              (dir / "jobs.txt").string() + " > " + (dir / "log.txt").string() + " 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_EQ(status, 0) << "LiteRT.js runner failed:\n" << read_text((dir / "log.txt").string());

  for (const Job& job : jobs) {
    const fs::path base = dir / job.name;
    if (fs::exists(base.string() + ".out.error")) {
      ADD_FAILURE() << job.name << ": LiteRT.js refused our file: " << read_text(base.string() + ".out.error");
      continue;
    }
    const std::string bytes = read_text(base.string() + ".out");
    const auto reference = reference_eval(job.graph, job.inputs);
    std::size_t expected = 0;
    for (const auto& r : reference) expected += r.size();
    ASSERT_EQ(bytes.size(), expected * 4) << job.name;
    std::vector<float> got(expected);
    std::memcpy(got.data(), bytes.data(), bytes.size());
    std::size_t at = 0;
    for (std::size_t o = 0; o < reference.size(); ++o) {
      double magnitude = 0.0, worst = 0.0;
      for (std::size_t i = 0; i < reference[o].size(); ++i) {
        magnitude = std::max(magnitude, std::abs(reference[o][i]));
        worst = std::max(worst, std::abs(static_cast<double>(got[at + i]) - reference[o][i]));
      }
      const double relative = worst / std::max(magnitude, 1e-6);
      std::printf("%-36s output %zu: %zu values, max |ref| %.4g, max |litert - ref| %.3g, relative %.3g\n",
                  job.name.c_str(), o, reference[o].size(), magnitude, worst, relative);
      EXPECT_LE(relative, tolerance) << job.name << " output " << o;
      EXPECT_GT(magnitude, 0.0) << job.name << ": an all-zero output proves little";
      at += reference[o].size();
    }
  }
}

TEST(LiteRtPeer, EveryOpKindMatchesTheReference) {
  std::vector<Job> jobs;
  std::uint64_t seed = 100;
  for (auto& [name, graph] : every_op_graphs(21)) {
    const bool positive = name.find("positive") != std::string::npos;
    auto inputs = random_inputs(graph, seed++, positive);
    jobs.push_back({name, std::move(graph), std::move(inputs)});
  }
  run_and_compare(jobs, "ops");
}

// Also exposes the outputs of the first op of `kind` (the first `nth`) as graph outputs, so the
// comparison covers thousands of intermediate values, not just the one prediction.
void expose(Graph& g, OpKind kind, int nth = 0) {
  for (const Op& op : g.ops)
    if (op.kind == kind && nth-- == 0) {
      g.outputs.push_back(op.outputs[0]);
      return;
    }
}

TEST(LiteRtPeer, NilmCnnAndTransformerMatchTheReference) {
  std::vector<Job> jobs;
  Graph cnn = cnn_graph(31);  // the full-size CNN: 10.6 M parameters, 42 MB file
  expose(cnn, OpKind::conv2d, 4);           // last conv: [1,1,38,256]
  expose(cnn, OpKind::fully_connected, 0);  // dense 1024
  jobs.push_back({"cnn_599", cnn, random_inputs(cnn, 1)});
  Graph transformer = transformer_graph(32);  // d_model 256, 2 blocks, 299 positions
  expose(transformer, OpKind::softmax, 1);     // second block's attention weights [1,2,299,299]
  expose(transformer, OpKind::mean, 0);        // first layer norm's mean
  expose(transformer, OpKind::gelu, 1);        // second block's feed-forward [1,299,1024]
  jobs.push_back({"transformer_599", transformer, random_inputs(transformer, 2)});
  run_and_compare(jobs, "models");
}

}  // namespace
}  // namespace nilm::model::testing
