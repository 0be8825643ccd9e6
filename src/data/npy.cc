#include "data/npy.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/error.h"

namespace nilm::data {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

// Value text of 'key' in the header dict ("'<f4'", "False", "(12,)"), or empty if absent.
std::string_view dict_value(std::string_view header, std::string_view key) {
  std::string quoted = "'" + std::string(key) + "'";
  auto k = header.find(quoted);
  if (k == std::string_view::npos) return {};
  auto colon = header.find(':', k + quoted.size());
  if (colon == std::string_view::npos) return {};
  auto v = header.find_first_not_of(' ', colon + 1);
  if (v == std::string_view::npos) return {};
  std::size_t end;
  if (header[v] == '(') {
    end = header.find(')', v);
    if (end == std::string_view::npos) return {};
    ++end;
  } else if (header[v] == '\'' || header[v] == '"') {
    end = header.find(header[v], v + 1);
    if (end == std::string_view::npos) return {};
    ++end;
  } else {
    end = header.find_first_of(",}", v);
    if (end == std::string_view::npos) return {};
  }
  auto value = header.substr(v, end - v);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

}  // namespace

const char* npy_descr(NpyType t) { return t == NpyType::f32 ? "<f4" : "|u1"; }
std::size_t npy_item_size(NpyType t) { return t == NpyType::f32 ? 4 : 1; }

void write_npy(const std::string& path, NpyType type, const void* data, std::size_t count) {
  static_assert(std::endian::native == std::endian::little, "NPY writer assumes little endian");
  std::string dict = std::string("{'descr': '") + npy_descr(type) +
                     "', 'fortran_order': False, 'shape': (" + std::to_string(count) + ",), }";
  // magic(6) + version(2) + header length(2) + dict + padding + '\n' = multiple of 64
  std::size_t total = kMagicLen + 4 + dict.size() + 1;
  std::size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  if (dict.size() > 65535) fail(path + ": NPY header too long");
  std::string header(kMagic, kMagicLen);
  header.push_back('\x01');
  header.push_back('\x00');
  header.push_back(static_cast<char>(dict.size() & 0xff));
  header.push_back(static_cast<char>(dict.size() >> 8));
  header += dict;

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) fail(path + ": cannot create file: " + std::strerror(errno));
  std::size_t bytes = count * npy_item_size(type);
  if (std::fwrite(header.data(), 1, header.size(), f.get()) != header.size() ||
      (bytes && std::fwrite(data, 1, bytes, f.get()) != bytes) || std::fflush(f.get()) != 0)
    fail(path + ": write failed: " + std::strerror(errno));
  if (std::fclose(f.release()) != 0) fail(path + ": write failed: " + std::strerror(errno));
}

NpyArray::NpyArray(const std::string& path, NpyType expected, std::size_t expected_count)
    : file_(path) {
  const auto* p = file_.data();
  const std::size_t size = file_.size();
  if (size < kMagicLen + 4 || std::memcmp(p, kMagic, kMagicLen) != 0)
    fail(path + ": not an NPY file (bad magic)");
  const int major = p[6];
  std::size_t header_len, header_start;
  if (major == 1) {
    header_len = p[8] | (std::size_t(p[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) fail(path + ": truncated NPY header");
    header_len = p[8] | (std::size_t(p[9]) << 8) | (std::size_t(p[10]) << 16) |
                 (std::size_t(p[11]) << 24);
    header_start = 12;
  } else {
    fail(path + ": unsupported NPY version " + std::to_string(major) + "." + std::to_string(p[7]));
  }
  if (header_start + header_len > size) fail(path + ": truncated NPY header");
  std::string_view header(reinterpret_cast<const char*>(p) + header_start, header_len);

  auto descr = dict_value(header, "descr");
  if (descr.size() < 2) fail(path + ": NPY header has no 'descr'");
  descr = descr.substr(1, descr.size() - 2);
  // numpy writes uint8 as '|u1'; '<u1' and '>u1' mean the same for single bytes.
  bool dtype_ok = expected == NpyType::f32
                      ? descr == "<f4"
                      : (descr == "|u1" || descr == "<u1" || descr == ">u1");
  if (!dtype_ok)
    fail(path + ": dtype '" + std::string(descr) + "', expected '" + npy_descr(expected) + "'");
  auto order = dict_value(header, "fortran_order");
  if (order != "False") fail(path + ": Fortran-ordered arrays are not supported");
  auto shape = dict_value(header, "shape");
  // One dimension: "(N,)" ("(N)" tolerated).
  if (shape.size() < 3 || shape.front() != '(' || shape.back() != ')')
    fail(path + ": NPY header has no 'shape'");
  std::string dims(shape.substr(1, shape.size() - 2));
  while (!dims.empty() && (dims.back() == ',' || dims.back() == ' ')) dims.pop_back();
  if (dims.empty() || dims.find_first_not_of("0123456789") != std::string::npos)
    fail(path + ": shape " + std::string(shape) + ", expected one dimension");
  const std::size_t data_start = header_start + header_len;
  // At most 18 digits (< 2^60 values), so the byte count below cannot overflow.
  if (dims.size() > 18) fail(path + ": shape " + std::string(shape) + " is impossibly large");
  count_ = std::stoull(dims);
  const std::size_t want = data_start + count_ * npy_item_size(expected);
  if (size < want)
    fail(path + ": truncated: the header promises " + std::to_string(count_) + " values (" +
         std::to_string(want) + " bytes) but the file has " + std::to_string(size) + " bytes");
  if (size > want)
    fail(path + ": " + std::to_string(size - want) + " bytes after the data the header describes");
  if (expected == NpyType::f32 && data_start % alignof(float) != 0)
    fail(path + ": data is not aligned for float32");
  if (expected_count != npos && count_ != expected_count)
    fail(path + ": holds " + std::to_string(count_) + " values, expected " +
         std::to_string(expected_count));
  data_ = p + data_start;
}

}  // namespace nilm::data
