#include "core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace nilm {

namespace {

std::string human_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
  return buf;
}

std::string human_rate(double per_second) {
  char buf[32];
  if (per_second >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2fM", per_second / 1e6);
  else if (per_second >= 1e3)
    std::snprintf(buf, sizeof buf, "%.1fk", per_second / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f", per_second);
  return buf;
}

}  // namespace

bool Progress::is_terminal(std::FILE* out) { return ::isatty(::fileno(out)) == 1; }

bool Progress::enabled() {
  const char* v = std::getenv("NILM_PROGRESS");
  return !(v && std::strcmp(v, "0") == 0);
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      out_(out),
      tty_(is_terminal(out)),
      enabled_(enabled()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  const char* v = std::getenv("NILM_PROGRESS");
  if (v && std::strcmp(v, "1") == 0) tty_ = false;
}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::update(std::uint64_t done, const std::string& extra) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto since = std::chrono::duration<double>(now - last_draw_).count();
  if (since < (tty_ ? 0.1 : 5.0)) return;
  last_draw_ = now;
  draw(false, extra);
}

void Progress::finish(const std::string& extra) {
  if (finished_) return;
  finished_ = true;
  if (total_ && done_ < total_) done_ = total_;
  if (enabled_) draw(true, extra);
}

void Progress::draw(bool final_line, const std::string& extra) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string line = label_;
  if (total_) {
    double frac = std::min(1.0, double(done_) / double(total_));
    if (tty_) {
      const int width = 24;
      int full = static_cast<int>(frac * width);
      line += " [" + std::string(full, '#') + std::string(width - full, '.') + "]";
    }
    char pct[16];
    std::snprintf(pct, sizeof pct, " %5.1f%%", 100 * frac);
    line += pct;
  }
  line += " " + std::to_string(done_);
  if (total_) line += "/" + std::to_string(total_);
  line += " " + unit_ + ", " + human_rate(rate) + " " + unit_ + "/s";
  if (final_line)
    line += ", " + human_duration(elapsed);
  else if (total_ && rate > 0)
    line += ", ETA " + human_duration((total_ - done_) / rate);
  if (!extra.empty()) line += ", " + extra;
  if (tty_)
    std::fprintf(out_, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  else
    std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace nilm
