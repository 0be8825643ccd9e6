// WindowRunner (windows in, one value per window out) and the window files of `nilm run`.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "model/builder.h"
#include "runtime/window_runner.h"

namespace nilm::runtime {
namespace {

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// out = sum over the window (FULLY_CONNECTED with all-ones weights), batch `b`.
Model summing_model(int b, int window) {
  model::GraphBuilder g;
  const int x = g.input("x", {b, window, 1});
  const int w = g.constant("w", {1, window}, std::vector<float>(std::size_t(window), 1.0f));
  g.output(g.fully_connected(x, w, -1));
  return Model::from_graph(g.finish());
}

TEST(WindowRunner, FeedsWindowsInBatchesAndDropsPadding) {
  for (int batch : {1, 3}) {
    WindowRunner r(summing_model(batch, 4), 1);
    EXPECT_EQ(r.window(), 4);
    EXPECT_EQ(r.batch(), batch);
    const std::vector<float> windows = {1, 1, 1, 1, 1, 2, 3, 4, 0, 0, 0, -1, 5, 5, 5, 5};
    std::vector<float> out(4, -99.f);
    r.predict(windows.data(), 4, out.data());
    EXPECT_EQ(out, (std::vector<float>{4, 10, -1, 20})) << "batch " << batch;
  }
}

TEST(WindowRunner, ReadsTextAndBinaryWindows) {
  const auto csv = temp_file("nilm_windows.csv", "# comment\n1,2,3\n\n4 5\t6\r\n");
  EXPECT_EQ(read_windows(csv, 3), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const float raw[] = {1.5f, -2.0f, 3.0f, 4.0f};
  const auto bin = temp_file("nilm_windows.bin", std::string(reinterpret_cast<const char*>(raw), sizeof raw));
  EXPECT_EQ(read_windows(bin, 2), (std::vector<float>{1.5f, -2.0f, 3.0f, 4.0f}));
  EXPECT_NE(error_of([&] { read_windows(bin, 3); }).find("16 bytes is not a whole number of windows of 3"),
            std::string::npos);
  std::filesystem::remove(csv);
  std::filesystem::remove(bin);
}

TEST(WindowRunner, BadWindowFilesNameTheLine) {
  const auto short_line = temp_file("nilm_short.csv", "1,2,3\n1,2\n");
  EXPECT_NE(error_of([&] { read_windows(short_line, 3); }).find("nilm_short.csv:2: expected 3 values (one window), found 2"),
            std::string::npos);
  const auto word = temp_file("nilm_word.csv", "1,abc,3\n");
  EXPECT_NE(error_of([&] { read_windows(word, 3); }).find("nilm_word.csv:1: value 2 'abc' is not a finite number"),
            std::string::npos);
  const auto nan = temp_file("nilm_nan.csv", "1,nan,3\n");
  EXPECT_NE(error_of([&] { read_windows(nan, 3); }).find("is not a finite number"), std::string::npos);
  for (const auto& p : {short_line, word, nan}) std::filesystem::remove(p);
}

TEST(WindowRunner, RefusesModelsThatAreNotWindowToValue) {
  model::GraphBuilder g;
  const int x = g.input("x", {1, 4, 2});
  g.output(g.unary(model::OpKind::relu, x));
  const Model m = Model::from_graph(g.finish(), {}, "two_channels.tflite");
  EXPECT_NE(error_of([&] { WindowRunner r(m, 1); }).find("two_channels.tflite: input shape [1,4,2] is not"),
            std::string::npos);
}

}  // namespace
}  // namespace nilm::runtime
