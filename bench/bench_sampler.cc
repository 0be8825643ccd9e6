// How fast the window sampler feeds a consumer on one core. A synthetic store (8 houses x
// 2 M samples at 8 s, ~460 days each, with gaps) is written to a temp folder, then:
//   raw memory:  random window starts drawn with std::mt19937_64 over one flat array, window
//                summed: the ceiling any sampler can reach (the peer in this comparison)
//   next():      shuffled epoch, the consumer sums the 599 samples of each window + target
//   fill_batch(): batches of 1024 normalised windows, the consumer sums every input
//   balanced:    next() in balanced mode (rank/select over the midpoint-status bitmap)
// Usage: bench_sampler [windows per measurement, default 3000000]
#include <fmt/core.h>

#include <time.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <vector>

#include "data/sampler.h"
#include "data/store.h"

namespace fs = std::filesystem;
using namespace nilm::data;

namespace {

constexpr int kWindow = 599;
constexpr std::size_t kHouses = 8, kSamples = 2'000'000;

// Thread CPU time: the machine this runs on is shared, and time spent descheduled is not the
// sampler's. Memory stalls still count, as they should.
// Wall time is printed too, for a quiet machine.
double clock_now(clockid_t which) {
  timespec ts{};
  clock_gettime(which, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
struct Rate {
  double cpu0 = clock_now(CLOCK_THREAD_CPUTIME_ID), wall0 = clock_now(CLOCK_MONOTONIC);
  double cpu = 0, wall = 0;  // windows per second
  void stop(std::size_t windows) {
    cpu = double(windows) / (clock_now(CLOCK_THREAD_CPUTIME_ID) - cpu0);
    wall = double(windows) / (clock_now(CLOCK_MONOTONIC) - wall0);
  }
};

// Sixteen independent partial sums so the compiler vectorises the consumer: the figure should
// measure delivery, not a 599-long chain of dependent additions.
float sum_window(const float* x) {
  float acc[16] = {};
  int j = 0;
  for (; j + 16 <= kWindow; j += 16)
    for (int k = 0; k < 16; ++k) acc[k] += x[j + k];
  for (; j < kWindow; ++j) acc[0] += x[j];
  float s = 0;
  for (float a : acc) s += a;
  return s;
}

void write_store(const std::string& dir) {
  StoreWriter w(dir, 8, builtin_appliance_table());
  std::mt19937 rng(1);
  for (std::size_t h = 0; h < kHouses; ++h) {
    HouseSeries s;
    s.name = "House" + std::to_string(h + 1);
    s.source = "bench";
    s.aggregate.resize(kSamples);
    s.missing.assign(kSamples, 0);
    ApplianceSeries kettle{"kettle", std::vector<float>(kSamples, 0.f)};
    for (std::size_t i = 0; i < kSamples; ++i) {
      if (i % 900 < 20) kettle.watts[i] = 2800;  // a boil every 2 hours
      s.aggregate[i] = 200.f + kettle.watts[i] + float(rng() % 300);
      if (i % 100'000 < 50) s.missing[i] = 1;   // a gap of 400 s every ~9 days
    }
    s.appliances.push_back(std::move(kettle));
    w.add_house(s);
  }
  w.commit({});
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n_windows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 3'000'000;
  const std::string dir = (fs::temp_directory_path() / "nilm_bench_sampler_store").string();
  fmt::print("writing a synthetic store: {} houses x {} samples -> {}\n", kHouses, kSamples, dir);
  write_store(dir);
  Store store = Store::open(dir);
  std::vector<std::string> houses = store.houses();

  // Peer: raw random windows out of one flat array as large as the store's aggregate.
  std::vector<float> flat(kHouses * kSamples);
  for (std::size_t h = 0; h < kHouses; ++h) {
    HouseView v = store.house(houses[h]);
    std::copy(v.aggregate, v.aggregate + v.n, flat.begin() + std::ptrdiff_t(h * kSamples));
  }
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> start(0, flat.size() - kWindow);
  double checksum = 0;
  Rate raw;
  for (std::size_t i = 0; i < n_windows; ++i) checksum += sum_window(flat.data() + start(rng));
  raw.stop(n_windows);

  SamplerOptions o;
  o.window = kWindow;
  o.max_windows = n_windows;
  o.seed = 3;
  WindowSampler sampler(store, "kettle", houses, o);
  fmt::print("store: {} clean windows, {:.1f}% with the kettle on at the midpoint\n",
             sampler.available(), 100.0 * double(sampler.available_on()) / double(sampler.available()));

  WindowRef r;
  Rate next;
  std::size_t count = 0;
  while (sampler.next(r)) {
    checksum += sum_window(r.aggregate) + r.target_w;
    ++count;
  }
  next.stop(count);

  const std::size_t batch = 1024;
  std::vector<float> inputs(batch * kWindow), targets(batch), status(batch);
  sampler.start_epoch(1);
  Rate fill;
  std::size_t filled = 0, got;
  while ((got = sampler.fill_batch(batch, inputs.data(), targets.data(), status.data())) > 0) {
    float s = 0;
    for (std::size_t k = 0; k < got; ++k) s += sum_window(inputs.data() + k * kWindow);
    for (std::size_t k = 0; k < got; ++k) s += targets[k] + status[k];
    checksum += s;
    filled += got;
  }
  fill.stop(filled);

  o.balanced = true;
  WindowSampler balanced(store, "kettle", houses, o);
  Rate bal;
  std::size_t bcount = 0;
  while (balanced.next(r)) {
    checksum += sum_window(r.aggregate) + r.status;
    ++bcount;
  }
  bal.stop(bcount);

  fmt::print("\nwindows of {} samples delivered to a consumer that sums them, one core\n", kWindow);
  fmt::print("  {:<34} {:>14} {:>14} {:>10}\n", "", "M windows/CPU-s", "M windows/s", "vs raw");
  auto row = [&](const char* name, const Rate& rate) {
    fmt::print("  {:<34} {:>14.2f} {:>14.2f} {:>9.2f}x\n", name, rate.cpu / 1e6, rate.wall / 1e6,
               rate.cpu / raw.cpu);
  };
  row("raw random windows (peer, ceiling)", raw);
  row("sampler next(), shuffled", next);
  row("sampler fill_batch(1024)", fill);
  row("sampler next(), balanced", bal);
  fmt::print("({} + {} + {} windows; checksum {:.6g})\n", count, filled, bcount, checksum);
  fs::remove_all(dir);
  return 0;
}
