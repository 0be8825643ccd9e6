#include "data/csv_fields.h"

#include <sys/mman.h>
#include <unistd.h>

#include <charconv>
#include <cmath>

namespace nilm::data::csv {

namespace {
bool is_space(char c) { return c == ' ' || c == '\t'; }
// Blanks around a field (a tab is a separator, not a blank, in tab-separated files).
bool is_blank(char c, char sep) { return c == ' ' || (c == '\t' && sep != '\t'); }
// sep ' ' means "any run of blanks" (the .dat files).
bool is_field_end(char c, char sep) {
  return c == sep || c == '\n' || c == '\r' || (sep == ' ' && c == '\t');
}
unsigned digit(char c) { return static_cast<unsigned>(c - '0'); }

// Reads exactly n digits.
bool fixed_digits(const char*& p, const char* end, int n, unsigned& out) {
  out = 0;
  for (int i = 0; i < n; ++i, ++p) {
    if (p >= end || digit(*p) > 9) return false;
    out = out * 10 + digit(*p);
  }
  return true;
}
}  // namespace

const char* parse_number_slow(const char* p, const char* end, double& out, Value& kind, char sep) {
  while (p < end && is_blank(*p, sep)) ++p;
  if (p == end || is_field_end(*p, sep)) {
    kind = Value::absent;
    return p;
  }
  const char* q = p;
  if (*q == '+') ++q;
  char decimal_point[64];
  const char* field_end = q;
  if (sep != ',') {  // "12,5" with ';' or tab separators: a decimal comma
    while (field_end < end && !is_field_end(*field_end, sep)) ++field_end;
    const auto n = static_cast<std::size_t>(field_end - q);
    if (n < sizeof decimal_point && std::memchr(q, ',', n)) {
      for (std::size_t i = 0; i < n; ++i) decimal_point[i] = q[i] == ',' ? '.' : q[i];
      auto [ptr, ec] = std::from_chars(decimal_point, decimal_point + n, out);
      const char* after = q + (ptr - decimal_point);
      while (after < end && is_blank(*after, sep)) ++after;
      if (ec != std::errc() || after != field_end) {
        kind = Value::bad;
        return p;
      }
      kind = std::isnan(out) ? Value::absent : Value::number;
      return after;
    }
  }
  auto [ptr, ec] = std::from_chars(q, end, out);  // decimal, exponent, "nan", "inf"
  if (ec == std::errc::result_out_of_range) {
    out = HUGE_VAL;  // absurd, clipped by the caller
  } else if (ec != std::errc()) {
    kind = Value::bad;
    return p;
  }
  const char* after = ptr;
  if (after < end && !is_field_end(*after, sep)) {
    while (after < end && is_blank(*after, sep)) ++after;  // blanks before the separator
    if (after < end && !is_field_end(*after, sep)) {
      kind = Value::bad;
      return p;
    }
  }
  kind = std::isnan(out) ? Value::absent : Value::number;
  return after;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Shift the year to start in March so the leap day is the year's last day.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

const char* parse_time(const char* p, const char* end, double& unix_s, char sep) {
  while (p < end && is_blank(*p, sep)) ++p;
  if (p < end && *p == '"') ++p;
  // ISO-8601 starts "YYYY-": a plain number never has '-' in its fifth place.
  const bool iso = end - p >= 10 && p[4] == '-' && digit(p[0]) <= 9;
  if (!iso) {
    double v;
    Value kind;
    const char* q = parse_number(p, end, v, kind, sep);
    if (kind != Value::number || !std::isfinite(v)) return nullptr;
    unix_s = v;
    return q;
  }
  unsigned year, month, day, hour = 0, minute = 0, second = 0;
  const char* q = p;
  if (!fixed_digits(q, end, 4, year) || *q++ != '-' || !fixed_digits(q, end, 2, month) ||
      q >= end || *q++ != '-' || !fixed_digits(q, end, 2, day))
    return nullptr;
  if (month < 1 || month > 12 || day < 1 || day > 31) return nullptr;
  double fraction = 0;
  if (q < end && (*q == 'T' || *q == ' ')) {
    ++q;
    if (!fixed_digits(q, end, 2, hour) || q >= end || *q++ != ':' ||
        !fixed_digits(q, end, 2, minute))
      return nullptr;
    if (q < end && *q == ':') {
      ++q;
      if (!fixed_digits(q, end, 2, second)) return nullptr;
      if (q < end && *q == '.' && q + 1 < end && digit(q[1]) <= 9) {
        ++q;
        double scale = 0.1;
        while (q < end && digit(*q) <= 9) {
          fraction += scale * digit(*q);
          scale *= 0.1;
          ++q;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return nullptr;
  }
  std::int64_t offset_s = 0;
  if (q < end && *q == 'Z') {
    ++q;
  } else if (q < end && (*q == '+' || *q == '-')) {
    const int sign = *q++ == '-' ? -1 : 1;
    unsigned oh, om = 0;
    if (!fixed_digits(q, end, 2, oh)) return nullptr;
    if (q < end && *q == ':') ++q;
    if (q < end && digit(*q) <= 9 && !fixed_digits(q, end, 2, om)) return nullptr;
    if (oh > 14 || om > 59) return nullptr;
    offset_s = sign * static_cast<std::int64_t>(oh * 3600 + om * 60);
  }
  if (q < end && *q == '"') ++q;
  while (q < end && is_blank(*q, sep)) ++q;
  if (q < end && !is_field_end(*q, sep)) return nullptr;
  const std::int64_t days = days_from_civil(year, month, day);
  unix_s = static_cast<double>(days * 86400 + hour * 3600 + minute * 60 + second - offset_s) + fraction;
  return q;
}

std::string_view next_field(const char*& p, const char* end, char separator) {
  const char* start = p;
  while (p < end && *p != separator && *p != '\n') ++p;
  const char* stop = p;
  if (p < end && *p == separator) ++p;
  while (start < stop && (is_space(*start))) ++start;
  while (stop > start && (is_space(stop[-1]) || stop[-1] == '\r')) --stop;
  if (stop - start >= 2 && *start == '"' && stop[-1] == '"') {
    ++start;
    --stop;
  }
  return {start, static_cast<std::size_t>(stop - start)};
}

void release_consumed(const char* base, const char* upto, std::size_t& released) {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  constexpr std::size_t kStep = 32u << 20;
  const auto done = static_cast<std::size_t>(upto - base) / page * page;
  if (done < released + kStep) return;
  // The mapping is private and read-only: dropping pages only means re-reading them if touched.
  ::madvise(const_cast<char*>(base) + released, done - released, MADV_DONTNEED);
  released = done;
}

std::string excerpt(const char* begin, const char* end) {
  std::string s(begin, end);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.pop_back();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return "\"" + s + "\"";
}

}  // namespace nilm::data::csv
