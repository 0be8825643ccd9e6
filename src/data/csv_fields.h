// Hand-written field parsing for the hot loops of the readers: no locale, no allocation, no
// exceptions. Each parser reads one field starting at `p` and stops at the first character that
// cannot belong to it; the caller checks that this is the separator it expects.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace nilm::data::csv {

// Digits with an optional sign. Returns the end of the number, or nullptr when there is none.
inline const char* parse_int64(const char* p, const char* end, std::int64_t& out) {
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = (*p++ == '-');
  const char* start = p;
  std::uint64_t v = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10u) {
    if (p - start >= 18) return nullptr;  // would overflow: not a timestamp we accept
    v = v * 10 + static_cast<unsigned>(*p - '0');
    ++p;
  }
  if (p == start) return nullptr;
  out = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
  return p;
}

enum class Value { number, absent, bad };  // absent: empty field or NaN text

const char* parse_number_slow(const char* p, const char* end, double& out, Value& kind, char sep);

// A power or time value: integer (the common case, fast path), decimal, exponent, "nan", "inf".
// An empty field is `absent`. Returns the end of the field's text. `sep` is the field
// separator; with a separator other than ',' a decimal comma ("12,5") is accepted too.
inline const char* parse_number(const char* p, const char* end, double& out, Value& kind, char sep = ',') {
  const char* q = p;
  bool negative = false;
  if (q < end && *q == '-') { negative = true; ++q; }
  const char* digits = q;
  std::uint64_t v = 0;
  while (q < end && static_cast<unsigned>(*q - '0') < 10u && q - digits < 18) {
    v = v * 10 + static_cast<unsigned>(*q - '0');
    ++q;
  }
  if (q > digits && (q == end || *q == sep || *q == '\n' || *q == '\r' || *q == ' ' || *q == '\t')) {
    out = negative ? -static_cast<double>(v) : static_cast<double>(v);
    kind = Value::number;
    return q;
  }
  return parse_number_slow(p, end, out, kind, sep);
}

// Epoch seconds (integer or decimal) or an ISO-8601 date-time ("2024-03-01T12:00:08Z",
// "2024-03-01 12:00:08", "...+01:00", "...+0100", fractional seconds allowed; no zone = UTC).
// Returns the end of the field, or nullptr if it is neither.
const char* parse_time(const char* p, const char* end, double& unix_s, char sep = ',');

// Days since 1970-01-01 of a proleptic Gregorian date (exact for any year we meet).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// End of the line starting at p: its '\n', or end (callers handle a '\r' before it).
inline const char* line_end(const char* p, const char* end) {
  if (p >= end) return end;  // also an empty file's null mapping
  const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
  return nl ? static_cast<const char*>(nl) : end;
}

// Next field of a comma-separated line, trimmed of spaces and surrounding double quotes.
std::string_view next_field(const char*& p, const char* end, char separator = ',');

// Drops the pages of a mapped file before `upto` from memory (they have been parsed), so a
// single pass over a large file keeps its resident size small. `released` tracks progress.
void release_consumed(const char* base, const char* upto, std::size_t& released);

// For error messages: a line's text, shortened.
std::string excerpt(const char* begin, const char* end);

}  // namespace nilm::data::csv
