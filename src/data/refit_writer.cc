#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>

#include "core/error.h"
#include "data/refit_format.h"

namespace nilm::data {

void write_refit_csv(const std::string& path, const RefitTable& t) {
  const std::size_t n = t.unix_s.size();
  if (t.aggregate.size() != n || t.issues.size() != n ||
      t.appliances.size() != static_cast<std::size_t>(kRefitApplianceColumns))
    fail(path + ": REFIT table columns have different lengths");
  for (const auto& c : t.appliances)
    if (c.size() != n) fail(path + ": REFIT table columns have different lengths");

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) fail(path + ": cannot create file");
  std::vector<char> buffer(1 << 20);
  std::setvbuf(f.get(), buffer.data(), _IOFBF, buffer.size());

  std::fputs("Time,Unix,Aggregate", f.get());
  for (int k = 1; k <= kRefitApplianceColumns; ++k) std::fprintf(f.get(), ",Appliance%d", k);
  std::fputs(",Issues\n", f.get());

  for (std::size_t i = 0; i < n; ++i) {
    std::time_t tt = static_cast<std::time_t>(t.unix_s[i]);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char line[256];
    int len = static_cast<int>(std::strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm));
    len += std::snprintf(line + len, sizeof line - len, ",%lld,%ld",
                         static_cast<long long>(t.unix_s[i]), std::lround(t.aggregate[i]));
    for (const auto& c : t.appliances)
      len += std::snprintf(line + len, sizeof line - len, ",%ld", std::lround(c[i]));
    len += std::snprintf(line + len, sizeof line - len, ",%d\n", t.issues[i] ? 1 : 0);
    std::fwrite(line, 1, static_cast<std::size_t>(len), f.get());
  }
  if (std::fflush(f.get()) != 0 || std::ferror(f.get())) fail(path + ": write failed");
}

}  // namespace nilm::data
