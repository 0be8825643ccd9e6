#include "train/checkpoint_file.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"

namespace nilm::train {

using nlohmann::json;

namespace {

constexpr std::size_t kAlign = 64;
constexpr std::size_t kPreamble = 24;

std::size_t align_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

std::int64_t element_count(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

template <typename T>
void put_le(std::string& out, T v) {  // this project targets little-endian x86-64 and aarch64
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <typename T>
T get_le(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

const TensorBlob* CheckpointFile::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void write_checkpoint_file(const std::string& path, const CheckpointFile& file) {
  json table = json::array();
  std::size_t offset = 0;
  for (const auto& t : file.tensors) {
    if (element_count(t.shape) != static_cast<std::int64_t>(t.data.size()))
      fail(path + ": tensor '" + t.name + "': shape does not match its data size");
    std::size_t bytes = t.data.size() * sizeof(float);
    table.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", "float32"},
                     {"offset", offset}, {"bytes", bytes}});
    offset = align_up(offset + bytes);
  }
  std::string header = json{{"meta", file.meta}, {"tensors", table}}.dump();

  std::string head(kCheckpointMagic, sizeof kCheckpointMagic);
  put_le<std::uint32_t>(head, kCheckpointVersion);
  put_le<std::uint32_t>(head, 0);
  put_le<std::uint64_t>(head, header.size());
  head += header;
  head.resize(align_up(head.size()), '\0');

  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(path + ": cannot write checkpoint (" + std::strerror(errno) + ")");
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    std::size_t written = 0;
    static const char zeros[kAlign] = {};
    for (const auto& t : file.tensors) {
      std::size_t bytes = t.data.size() * sizeof(float);
      out.write(reinterpret_cast<const char*>(t.data.data()), static_cast<std::streamsize>(bytes));
      std::size_t pad = align_up(written + bytes) - (written + bytes);
      out.write(zeros, static_cast<std::streamsize>(pad));
      written += bytes + pad;
    }
    if (!out.flush()) fail(path + ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fail(path + ": cannot move the checkpoint into place: " + ec.message());
}

CheckpointFile read_checkpoint_file(const std::string& path) {
  MappedFile map(path);
  const std::uint8_t* p = map.data();
  if (map.size() < kPreamble || std::memcmp(p, kCheckpointMagic, sizeof kCheckpointMagic) != 0)
    fail(path + ": not a nilm checkpoint (bad magic)");
  auto version = get_le<std::uint32_t>(p + 8);
  if (version != kCheckpointVersion)
    fail(path + ": checkpoint format version " + std::to_string(version) +
         " is not supported (this build reads version " + std::to_string(kCheckpointVersion) + ")");
  auto header_len = get_le<std::uint64_t>(p + 16);
  if (header_len > map.size() - kPreamble) fail(path + ": header length runs past the end of the file");
  CheckpointFile file;
  json header;
  try {
    header = json::parse(reinterpret_cast<const char*>(p + kPreamble),
                         reinterpret_cast<const char*>(p + kPreamble + header_len));
  } catch (const json::exception& e) {
    fail(path + ": header is not valid JSON: " + e.what());
  }
  if (!header.is_object() || !header.contains("meta") || !header.contains("tensors") ||
      !header["tensors"].is_array())
    fail(path + ": header lacks 'meta' or the 'tensors' table");
  file.meta = header["meta"];
  std::size_t data_start = align_up(kPreamble + header_len);
  std::size_t i = 0;
  for (const auto& entry : header["tensors"]) {
    std::string where = path + ": tensor #" + std::to_string(i++);
    TensorBlob t;
    try {
      t.name = entry.at("name").get<std::string>();
      where = path + ": tensor '" + t.name + "'";
      t.shape = entry.at("shape").get<std::vector<std::int64_t>>();
      if (entry.at("dtype").get<std::string>() != "float32") fail(where + ": dtype must be float32");
      auto offset = entry.at("offset").get<std::uint64_t>();
      auto bytes = entry.at("bytes").get<std::uint64_t>();
      for (auto d : t.shape)
        if (d < 0) fail(where + ": negative dimension");
      if (static_cast<std::uint64_t>(element_count(t.shape)) * sizeof(float) != bytes)
        fail(where + ": 'bytes' does not match the shape");
      if (data_start + offset + bytes > map.size() || offset > map.size())
        fail(where + ": data runs past the end of the file (truncated?)");
      t.data.resize(bytes / sizeof(float));
      std::memcpy(t.data.data(), p + data_start + offset, bytes);
    } catch (const json::exception& e) {
      fail(where + ": " + e.what());
    }
    file.tensors.push_back(std::move(t));
  }
  return file;
}

}  // namespace nilm::train
