// The window sampler against a brute-force enumeration of valid windows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "data/sampler.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using namespace nilm::data;
using nilm::test::contains;
using nilm::test::error_of;

namespace {

using Key = std::pair<std::uint32_t, std::size_t>;  // (house index, window start)

// Every window of `w` samples with no missing sample, starting at stretch start + k * stride:
// checked sample by sample, independently of the sampler's run bookkeeping.
std::vector<Key> brute_force_windows(const Store& store, const std::vector<std::string>& houses,
                                     int w, int stride) {
  std::vector<Key> out;
  for (std::uint32_t h = 0; h < houses.size(); ++h) {
    HouseView v = store.house(houses[h]);
    std::size_t stretch_start = 0;
    for (std::size_t s = 0; s + std::size_t(w) <= v.n; ++s) {
      if (s > 0 && v.missing[s - 1]) stretch_start = s;
      bool clean = true;
      for (int k = 0; k < w; ++k) clean = clean && !v.missing[s + std::size_t(k)];
      if (clean && (s - stretch_start) % std::size_t(stride) == 0) out.push_back({h, s});
    }
  }
  return out;
}

std::vector<WindowRef> drain(WindowSampler& s) {
  std::vector<WindowRef> out;
  WindowRef r;
  while (s.next(r)) out.push_back(r);
  return out;
}

class SamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = nilm::test::temp_dir("sampler");
    store = nilm::test::write_small_store(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  Key key(const WindowRef& r, int w) const {
    return {r.house, r.mid - std::size_t(w / 2)};
  }
  std::string dir;
  Store store;
  const std::vector<std::string> both = {"HouseA", "HouseB"};
};

}  // namespace

TEST(IndexPermutation, IsABijectionFixedByItsKey) {
  for (std::uint64_t n : {1u, 2u, 3u, 5u, 64u, 65u, 1000u, 4097u}) {
    IndexPermutation p(n, 42);
    std::vector<bool> seen(n, false);
    for (std::uint64_t i = 0; i < n; ++i) {
      auto j = p(i);
      ASSERT_LT(j, n);
      ASSERT_FALSE(seen[j]) << "n=" << n << " i=" << i;
      seen[j] = true;
    }
  }
  IndexPermutation a(1000, 1), b(1000, 1), c(1000, 2);
  int same_as_b = 0, same_as_c = 0, fixed = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    same_as_b += a(i) == b(i);
    same_as_c += a(i) == c(i);
    fixed += a(i) == i;
  }
  EXPECT_EQ(same_as_b, 1000);
  EXPECT_LT(same_as_c, 20);  // a random pair of permutations agrees at ~1 place
  EXPECT_LT(fixed, 20);
}

TEST_F(SamplerTest, SequentialEpochIsEveryCleanWindowInOrder) {
  for (int stride : {1, 3}) {
    SCOPED_TRACE(stride);
    SamplerOptions o;
    o.window = 11;
    o.stride = stride;
    o.shuffle = false;
    WindowSampler s(store, "kettle", both, o);
    auto want = brute_force_windows(store, both, 11, stride);
    auto got = drain(s);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(s.size(), want.size());
    EXPECT_EQ(s.available(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(key(got[i], 11), want[i]) << i;
      // The reference points into the mapped house; the target is at the midpoint.
      HouseView v = store.house(both[got[i].house]);
      ASSERT_EQ(got[i].aggregate, v.aggregate + want[i].second);
      ASSERT_EQ(got[i].target_w, v.appliance("kettle")[got[i].mid]);
      ASSERT_EQ(got[i].status, v.status("kettle")[got[i].mid]);
    }
    // HouseA (200 samples, gaps [50,55) and [150,152)): stretches 50, 95, 48 long, so
    // 40 + 85 + 38 windows of 11 at stride 1; HouseB: 70.
    if (stride == 1) {
      EXPECT_EQ(got.size(), 40u + 85u + 38u + 70u);
    }
  }
}

TEST_F(SamplerTest, ShuffleIsAPermutationFixedBySeedAndEpoch) {
  SamplerOptions o;
  o.window = 11;
  o.seed = 5;
  WindowSampler s1(store, "kettle", both, o), s2(store, "kettle", both, o);
  auto a = drain(s1), b = drain(s2);
  ASSERT_EQ(a.size(), s1.available());
  std::set<Key> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].aggregate, b[i].aggregate);  // same seed, same epoch: same order
    seen.insert(key(a[i], 11));
  }
  auto all = brute_force_windows(store, both, 11, 1);
  EXPECT_EQ(seen, std::set<Key>(all.begin(), all.end()));
  // Not the sequential order, and a different order next epoch or with another seed.
  std::size_t in_place = 0;
  for (std::size_t i = 0; i < a.size(); ++i) in_place += key(a[i], 11) == all[i];
  EXPECT_LT(in_place, a.size() / 10);
  s1.start_epoch(1);
  auto e1 = drain(s1);
  o.seed = 6;
  WindowSampler s3(store, "kettle", both, o);
  auto c = drain(s3);
  std::size_t same_e1 = 0, same_seed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    same_e1 += e1[i].aggregate == a[i].aggregate;
    same_seed += c[i].aggregate == a[i].aggregate;
  }
  EXPECT_LT(same_e1, a.size() / 10);
  EXPECT_LT(same_seed, a.size() / 10);
  // Coming back to epoch 0 gives epoch 0's order again; rewind repeats the epoch.
  s1.start_epoch(0);
  auto again = drain(s1);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(again[i].aggregate, a[i].aggregate);
  s1.rewind();
  WindowRef r;
  ASSERT_TRUE(s1.next(r));
  EXPECT_EQ(r.aggregate, a[0].aggregate);
}

TEST_F(SamplerTest, CapDrawsDistinctWindows) {
  SamplerOptions o;
  o.window = 11;
  o.max_windows = 50;
  WindowSampler s(store, "kettle", both, o);
  EXPECT_EQ(s.size(), 50u);
  auto got = drain(s);
  ASSERT_EQ(got.size(), 50u);
  std::set<Key> keys;
  for (auto& r : got) keys.insert(key(r, 11));
  EXPECT_EQ(keys.size(), 50u);
  s.start_epoch(1);
  auto next_epoch = drain(s);
  std::set<Key> keys1;
  for (auto& r : next_epoch) keys1.insert(key(r, 11));
  EXPECT_NE(keys, keys1);  // another random subset
  // Unshuffled: evenly spaced over all windows (index i * total / cap).
  o.shuffle = false;
  WindowSampler seq(store, "kettle", both, o);
  auto all = brute_force_windows(store, both, 11, 1);
  auto spaced = drain(seq);
  ASSERT_EQ(spaced.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(key(spaced[i], 11), all[i * all.size() / 50]);
  // A cap above the total changes nothing.
  o.max_windows = 100000;
  EXPECT_EQ(WindowSampler(store, "kettle", both, o).size(), all.size());
}

TEST_F(SamplerTest, BalancedAlternatesOnAndOffWithoutRepeats) {
  for (bool shuffle : {true, false}) {
    SCOPED_TRACE(shuffle);
    SamplerOptions o;
    o.window = 11;
    o.balanced = true;
    o.shuffle = shuffle;
    WindowSampler s(store, "kettle", both, o);
    // The kettle is on at 3 of every 17 samples: on-midpoints are the minority.
    std::size_t on = 0;
    for (auto& k : brute_force_windows(store, both, 11, 1))
      on += store.house(both[k.first]).status("kettle")[k.second + 5];
    EXPECT_EQ(s.available_on(), on);
    ASSERT_EQ(s.size(), 2 * on);
    auto got = drain(s);
    ASSERT_EQ(got.size(), 2 * on);
    std::set<Key> keys;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].status, i % 2 == 0 ? 1 : 0) << i;
      keys.insert(key(got[i], 11));
    }
    EXPECT_EQ(keys.size(), got.size());
    o.max_windows = 10;
    WindowSampler capped(store, "kettle", both, o);
    EXPECT_EQ(capped.size(), 10u);
    auto c = drain(capped);
    EXPECT_EQ(std::count_if(c.begin(), c.end(), [](auto& r) { return r.status == 1; }), 5);
  }
}

TEST_F(SamplerTest, FillBatchNormalises) {
  SamplerOptions o;
  o.window = 11;
  o.shuffle = false;
  WindowSampler s(store, "kettle", both, o), ref(store, "kettle", both, o);
  const std::size_t total = s.size(), batch = 64;
  std::vector<float> in(batch * 11), tgt(batch), st(batch);
  std::size_t seen = 0, got;
  while ((got = s.fill_batch(batch, in.data(), tgt.data(), st.data())) > 0) {
    for (std::size_t k = 0; k < got; ++k) {
      WindowRef r;
      ASSERT_TRUE(ref.next(r));
      for (int j = 0; j < 11; ++j)
        ASSERT_NEAR(in[k * 11 + std::size_t(j)], (r.aggregate[j] - 522.f) / 814.f, 1e-6f);
      float want = std::min(r.target_w / 3100.f, 1.0f);  // kettle P_m, clipped at 1
      ASSERT_NEAR(tgt[k], want, 1e-7f);
      ASSERT_EQ(st[k], r.status ? 1.f : 0.f);
    }
    seen += got;
    if (got < batch) {
      EXPECT_EQ(seen, total);
    }
  }
  EXPECT_EQ(seen, total);
  // targets and status are optional; at() gives the same windows without moving the cursor.
  s.start_epoch(0);
  EXPECT_EQ(s.fill_batch(3, in.data(), nullptr, nullptr), 3u);
  EXPECT_EQ(s.at(0).mid, 5u);
  s.fill(2, 1, in.data(), tgt.data(), nullptr);
  EXPECT_NEAR(in[0], (s.at(2).aggregate[0] - 522.f) / 814.f, 1e-6f);
  EXPECT_TRUE(contains(error_of([&] { s.at(s.size()); }), "epoch"));
}

TEST_F(SamplerTest, TargetsAboveMaxPowerClipToOne) {
  // The kettle bursts are 2500..2600 W, below P_m = 3100; the fridge (P_m 400) never exceeds
  // 90 W. Use a table where the kettle's P_m is 2000 W so bursts clip.
  auto house = nilm::test::make_house("H", 40, 9);
  auto table = builtin_appliance_table();
  table.items[0].max_power_w = 2000;
  auto d2 = dir + "_clip";
  {
    StoreWriter w(d2, 8, table);
    w.add_house(house);
    w.commit({});
  }
  Store st = Store::open(d2);
  SamplerOptions o;
  o.window = 3;
  o.shuffle = false;
  WindowSampler s(st, "kettle", {"H"}, o);
  std::vector<float> in(3 * 100), tgt(100);
  auto n = s.fill_batch(100, in.data(), tgt.data(), nullptr);
  ASSERT_EQ(n, 38u);
  EXPECT_EQ(tgt[4], 1.0f);  // midpoint 5: a burst sample
  EXPECT_EQ(tgt[0], 0.0f);
  fs::remove_all(d2);
}

TEST_F(SamplerTest, ClearErrors) {
  SamplerOptions o;
  o.window = 10;
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "kettle", both, o); }), "odd"));
  o.window = 11;
  o.stride = 0;
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "kettle", both, o); }), "stride"));
  o.stride = 1;
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "toaster", both, o); }), "toaster"));
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "microwave", both, o); }),
                       "no microwave channel"));
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "kettle", {"House9"}, o); }), "House9"));
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "kettle", {}, o); }), "no houses"));
  o.window = 99;  // longer than every stretch (HouseA's longest is 95, HouseB has 80)
  EXPECT_TRUE(contains(error_of([&] { WindowSampler(store, "kettle", both, o); }),
                       "no window of 99 samples"));
  // Balanced sampling needs both classes: a house whose kettle is never on has no on-windows.
  auto quiet = nilm::test::make_house("Quiet", 60, 4);
  std::fill(quiet.appliances[0].watts.begin(), quiet.appliances[0].watts.end(), 0.f);
  auto d2 = dir + "_quiet";
  {
    StoreWriter w(d2, 8, builtin_appliance_table());
    w.add_house(quiet);
    w.commit({});
  }
  Store st = Store::open(d2);
  o.window = 11;
  o.balanced = true;
  auto msg = error_of([&] { WindowSampler(st, "kettle", {"Quiet"}, o); });
  EXPECT_TRUE(contains(msg, "never on")) << msg;
  o.balanced = false;
  EXPECT_EQ(WindowSampler(st, "kettle", {"Quiet"}, o).available_on(), 0u);
  fs::remove_all(d2);
}
