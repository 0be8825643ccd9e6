// How long the .tflite writer and the validating loader take on the full-size NILM CNN
// (10.6 M parameters, 42 MB): the loader maps the file and keeps constants in place, so its
// cost is the flatbuffer verifier plus validation, independent of the weights' size.
//   build/bench/bench_model_format [repeats]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "model/builder.h"
#include "model/tflite.h"

namespace {

using nilm::model::Activation;
using nilm::model::Graph;
using nilm::model::GraphBuilder;
using nilm::model::Padding;

Graph cnn() {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-0.05f, 0.05f);
  GraphBuilder b;
  auto constant = [&](const std::string& name, nilm::model::Shape shape) {
    std::vector<float> v(static_cast<std::size_t>(nilm::model::element_count(shape)));
    for (float& x : v) x = dist(rng);
    return b.constant(name, shape, v);
  };
  int h = b.reshape(b.input("aggregate", {1, 599, 1}), {1, 1, 599, 1});
  const int filters[] = {16, 32, 64, 128, 256}, kernels[] = {5, 3, 3, 3, 3};
  int channels = 1;
  for (int i = 0; i < 5; ++i) {
    const std::string name = "conv" + std::to_string(i + 1);
    h = b.conv2d(h, constant(name + "/w", {filters[i], 1, kernels[i], channels}), constant(name + "/b", {filters[i]}),
                 Padding::same, Activation::relu);
    if (i < 4) h = b.max_pool2d(h, 1, 2, 1, 2, Padding::same);
    channels = filters[i];
  }
  h = b.flatten(h);
  h = b.fully_connected(h, constant("dense1/w", {1024, 9728}), constant("dense1/b", {1024}), Activation::relu);
  h = b.fully_connected(h, constant("dense2/w", {512, 1024}), constant("dense2/b", {512}), Activation::relu);
  b.output(b.fully_connected(h, constant("out/w", {1, 512}), constant("out/b", {1})));
  return b.finish();
}

template <class F>
double median_ms(int repeats, F f) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
  const Graph graph = cnn();
  std::vector<std::uint8_t> bytes;
  const double write = median_ms(repeats, [&] { bytes = nilm::model::write_tflite(graph); });
  const std::string path = "/tmp/nilm_bench_cnn.tflite";
  nilm::model::save_tflite(graph, path);
  std::size_t tensors = 0;
  const double load = median_ms(repeats, [&] { tensors += nilm::model::load_tflite(path).tensors.size(); });
  const double parse_copy = median_ms(repeats, [&] {
    tensors += nilm::model::parse_tflite(bytes.data(), bytes.size(), "cnn").tensors.size();
  });
  const double validate = median_ms(repeats, [&] { nilm::model::validate(graph, "cnn"); });
  std::remove(path.c_str());
  fmt::print("NILM CNN: {} tensors, {} ops, file {:.2f} MB (median of {} runs)\n", graph.tensors.size(),
             graph.ops.size(), static_cast<double>(bytes.size()) / 1e6, repeats);
  fmt::print("  write_tflite (to memory)               {:8.2f} ms  ({:.2f} GB/s)\n", write,
             static_cast<double>(bytes.size()) / write / 1e6);
  fmt::print("  load_tflite (mmap, verify, validate)   {:8.3f} ms  (constants stay in the mapping)\n", load);
  fmt::print("  parse_tflite copying the constants     {:8.2f} ms\n", parse_copy);
  fmt::print("  validate() alone                       {:8.3f} ms\n", validate);
  return tensors == 0;
}
