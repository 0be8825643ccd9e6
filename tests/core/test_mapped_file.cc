#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"

namespace fs = std::filesystem;

TEST(MappedFile, MapsWholeFileContents) {
  fs::path p = fs::temp_directory_path() / "nilm_mapped_file_test.txt";
  { std::ofstream(p) << "hello\nworld\n"; }
  nilm::MappedFile f(p.string());
  EXPECT_EQ(f.text(), "hello\nworld\n");
  EXPECT_EQ(f.size(), 12u);
  nilm::MappedFile moved = std::move(f);
  EXPECT_EQ(moved.text(), "hello\nworld\n");
  EXPECT_EQ(f.size(), 0u);
  fs::remove(p);
}

TEST(MappedFile, EmptyFileHasNoBytes) {
  fs::path p = fs::temp_directory_path() / "nilm_mapped_file_empty.txt";
  { std::ofstream o(p); }
  nilm::MappedFile f(p.string());
  EXPECT_EQ(f.size(), 0u);
  fs::remove(p);
}

TEST(MappedFile, MissingFileErrorNamesThePath) {
  try {
    nilm::MappedFile f("/nonexistent/dir/model.tflite");
    FAIL() << "expected an error";
  } catch (const nilm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/model.tflite"), std::string::npos);
  }
}
