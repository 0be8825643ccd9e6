// Parse + resample speed of the REFIT reader on a REFIT-sized house (7.5 million rows, ~450 MB)
// and its peak memory. The file is synthetic but shaped like REFIT (8 s rows with jitter, short
// and long gaps, a fridge cycling, rare kettle and washing-machine runs, Issues flags), written
// once by write_refit_csv into /tmp and reused by later runs.
//   bench_read_csv [--rows N] [--file PATH] [--repeat R] [--dump GRID]
// Prints MB/s (best of R, page cache warm) and the process's peak RSS.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/core.h>

#include "core/error.h"
#include "data/readers.h"
#include "data/refit_format.h"

namespace {

using namespace nilm::data;

void generate(const std::string& path, std::size_t rows) {
  RefitTable t;
  t.unix_s.reserve(rows);
  t.aggregate.reserve(rows);
  t.issues.reserve(rows);
  t.appliances.assign(kRefitApplianceColumns, {});
  for (auto& c : t.appliances) c.reserve(rows);
  std::mt19937_64 rng(2024);
  std::int64_t time = 1'381'323'977;
  int kettle_left = 0, washer_left = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const auto r = rng() % 100000;
    time += r < 99900 ? 6 + static_cast<std::int64_t>(rng() % 5)       // 6..10 s
            : r < 99990 ? 20 + static_cast<std::int64_t>(rng() % 150)   // short gap
                        : 600 + static_cast<std::int64_t>(rng() % 20000);  // long gap
    if (kettle_left == 0 && rng() % 3000 == 0) kettle_left = 20;
    if (washer_left == 0 && rng() % 20000 == 0) washer_left = 700;
    const float fridge = (time / 1200) % 3 == 0 ? 85.0f + static_cast<float>(rng() % 10) : 1.0f;
    const float kettle = kettle_left > 0 ? (--kettle_left, 2900.0f + static_cast<float>(rng() % 80)) : 0.0f;
    const float washer = washer_left > 0 ? (--washer_left, static_cast<float>(rng() % 2200)) : 0.0f;
    // Standby and small loads: most REFIT plugs read a few to a few hundred watts.
    const float other[6] = {static_cast<float>(rng() % 300), static_cast<float>(2 + rng() % 30),
                            static_cast<float>(rng() % 2 * 60 + rng() % 9), static_cast<float>(40 + rng() % 160),
                            static_cast<float>(rng() % 12), static_cast<float>(rng() % 1000 == 0 ? 1200 : 0)};
    t.unix_s.push_back(time);
    t.appliances[0].push_back(fridge);
    t.appliances[1].push_back(washer);
    t.appliances[7].push_back(kettle);
    for (int k = 0, j = 0; k < kRefitApplianceColumns; ++k)
      if (k != 0 && k != 1 && k != 7) t.appliances[k].push_back(other[j++]);
    float sum = 0;
    for (auto& c : t.appliances) sum += c.back();
    t.aggregate.push_back(sum + 150.0f + static_cast<float>(rng() % 400));
    t.issues.push_back(rng() % 500 == 0);
  }
  write_refit_csv(path, t);
}

// CPU time of this process (user + system): on a shared, loaded machine it tells the work
// done apart from the time spent waiting for a core.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 7'500'000;  // ~450 MB, the size of a large REFIT house file
  std::string path = "/tmp/nilm_bench_refit/CLEAN_House2.csv";  // reused by read_csv_vs_pandas.sh
  int repeat = 3;
  std::string dump;  // --dump PATH: the aggregate grid for read_csv_pandas.py --check
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rows")) rows = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--file")) path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--repeat")) repeat = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--dump")) dump = argv[i + 1];
  }
  try {
    if (!std::filesystem::exists(path)) {
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
      fmt::print("generating {} ({} rows)...\n", path, rows);
      std::fflush(stdout);
      // In a child process, so the generator's tables do not count in this process's peak RSS.
      const pid_t child = fork();
      if (child == 0) {
        generate(path + ".part", rows);
        std::filesystem::rename(path + ".part", path);
        _exit(0);
      }
      int status = 0;
      waitpid(child, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) nilm::fail("generating the file failed");
    }
    const double mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    ReadOptions options;  // defaults: 8 s grid, 180 s fill limit, 4 kW cap
    double best = 1e30, best_cpu = 1e30;
    HouseSeries house;
    for (int r = 0; r < repeat; ++r) {
      house = HouseSeries{};  // the previous run's result must not count in this run's peak
      const double c0 = cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      house = read_house(Format::refit, {"House2", path}, options);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double cpu = cpu_seconds() - c0;
      best = std::min(best, s);
      best_cpu = std::min(best_cpu, cpu);
      fmt::print("run {}: {:.3f} s wall, {:.3f} s cpu\n", r + 1, s, cpu);
    }
    const double rss_mb = static_cast<double>(peak_rss_kb()) / 1024.0;
    const double out_mb = static_cast<double>(house.size() * (4 * (1 + house.appliances.size()) + 1)) / 1e6;
    fmt::print("file: {} ({:.1f} MB, {} rows read)\n", path, mb, house.counts.rows_read);
    fmt::print("grid: {} samples x {} channels ({:.1f} MB), {} filled, {} missing\n", house.size(),
               1 + house.appliances.size(), out_mb, house.counts.samples_filled, house.counts.samples_missing);
    fmt::print("ours: parse+resample {:.3f} s = {:.1f} MB/s (best of {}, one core, page cache warm)\n", best,
               mb / best, repeat);
    fmt::print("ours: {:.1f} MB/s of CPU time (best of {})\n", mb / best_cpu, repeat);
    fmt::print("peak RSS {:.1f} MB = {:.2f} x input size\n", rss_mb, rss_mb / mb);
    if (!dump.empty()) {  // start_unix (int64), n (int64), n float32 watts, n uint8 missing
      std::FILE* f = std::fopen(dump.c_str(), "wb");
      if (!f) nilm::fail(dump + ": cannot create file");
      const std::int64_t header[2] = {house.start_unix, static_cast<std::int64_t>(house.size())};
      std::fwrite(header, sizeof header, 1, f);
      std::fwrite(house.aggregate.data(), sizeof(float), house.size(), f);
      std::fwrite(house.missing.data(), 1, house.size(), f);
      std::fclose(f);
    }
    fmt::print("RESULT ours_seconds={:.4f} ours_mbps={:.1f} ours_cpu_seconds={:.4f} ours_peak_rss_mb={:.1f} "
               "input_mb={:.1f}\n", best, mb / best, best_cpu, rss_mb, mb);
  } catch (const nilm::Error& e) {
    std::fprintf(stderr, "bench_read_csv: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
