#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "data/npy.h"
#include "data/status.h"
#include "data/store.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using namespace nilm::data;
using nilm::test::contains;
using nilm::test::error_of;

namespace {

const char* kPython = "/usr/bin/python3";

bool python_has_numpy() {
  static const bool has =
      std::system((std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
  return has;
}

// Runs a Python script; returns its exit code (output goes to the test log).
int run_python(const std::string& script_path, const std::string& arg) {
  std::string cmd = std::string(kPython) + " " + script_path + " " + arg + " 2>&1";
  return std::system(cmd.c_str());
}

std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir = nilm::test::temp_dir("store"); }
  void TearDown() override { fs::remove_all(dir); }
  std::string dir;
};

}  // namespace

TEST(Npy, RoundTripsAndAlignsData) {
  auto path = nilm::test::temp_dir("npy") + ".npy";
  std::vector<float> v = {1.5f, -2.f, 3.25f};
  write_npy(path, NpyType::f32, v.data(), v.size());
  auto bytes = read_bytes(path);
  EXPECT_EQ(bytes.size(), 128u + 12u);  // header padded to 64 bytes, like numpy
  EXPECT_EQ(bytes[127], '\n');
  NpyArray a(path, NpyType::f32, 3);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.f32()[0], 1.5f);
  EXPECT_EQ(a.f32()[2], 3.25f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u);
  // Empty arrays are valid.
  write_npy(path, NpyType::u8, nullptr, 0);
  EXPECT_EQ(NpyArray(path, NpyType::u8).size(), 0u);
  fs::remove(path);
}

TEST(Npy, BadFilesNameTheFileAndTheProblem) {
  auto path = nilm::test::temp_dir("npy_bad") + ".npy";
  std::vector<float> v(10, 1.f);
  write_npy(path, NpyType::f32, v.data(), v.size());
  auto good = read_bytes(path);

  auto check = [&](const std::vector<char>& bytes, NpyType type, std::size_t count,
                   const std::string& what) {
    SCOPED_TRACE(what);
    write_bytes(path, bytes);
    auto msg = error_of([&] { NpyArray(path, type, count); });
    EXPECT_TRUE(contains(msg, path)) << msg;
    EXPECT_TRUE(contains(msg, what)) << msg;
  };
  check({good.begin(), good.end() - 3}, NpyType::f32, NpyArray::npos, "truncated");
  check({good.begin(), good.begin() + 40}, NpyType::f32, NpyArray::npos, "truncated");
  auto extra = good;
  extra.push_back(0);
  check(extra, NpyType::f32, NpyArray::npos, "bytes after the data");
  check(good, NpyType::u8, NpyArray::npos, "dtype '<f4'");
  check(good, NpyType::f32, 11, "expected 11");
  auto magic = good;
  magic[1] = 'X';
  check(magic, NpyType::f32, NpyArray::npos, "bad magic");
  auto version = good;
  version[6] = 9;
  check(version, NpyType::f32, NpyArray::npos, "version 9");
  auto fortran = good;
  auto s = std::string(fortran.begin(), fortran.end());
  auto at = s.find("False");
  std::copy_n("True ", 5, fortran.begin() + std::ptrdiff_t(at));
  check(fortran, NpyType::f32, NpyArray::npos, "Fortran");
  auto shape2 = s;
  shape2.replace(shape2.find("(10,)"), 5, "(5,2)");
  check({shape2.begin(), shape2.end()}, NpyType::f32, NpyArray::npos, "one dimension");
  auto huge = s;
  huge.replace(huge.find("(10,)"), 5, "(99999999999999999999,)");
  check({huge.begin(), huge.end()}, NpyType::f32, NpyArray::npos, "impossibly large");
  auto big = s;
  big.replace(big.find("(10,)"), 5, "(999999999999999,)");
  check({big.begin(), big.end()}, NpyType::f32, NpyArray::npos, "truncated");
  fs::remove(path);
  auto msg = error_of([&] { NpyArray(path, NpyType::f32); });
  EXPECT_TRUE(contains(msg, path)) << msg;
}

TEST(Npy, DamagedHeadersNeverCrash) {
  // Every damaged file is either read or refused with nilm::Error; nothing else escapes.
  auto path = nilm::test::temp_dir("npy_fuzz") + ".npy";
  std::vector<float> v(16, 2.f);
  write_npy(path, NpyType::f32, v.data(), v.size());
  const auto good = read_bytes(path);
  std::mt19937 rng(11);
  const char alphabet[] = "0123456789(),: '{}<>|fuTF\n\x00\xff";
  for (int trial = 0; trial < 120; ++trial) {
    auto bytes = good;
    const int edits = 1 + int(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      std::size_t at = rng() % 128;  // the header
      bytes[at] = rng() % 2 ? alphabet[rng() % (sizeof alphabet - 1)] : char(rng());
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    write_bytes(path, bytes);
    try {
      NpyArray a(path, NpyType::f32);
      EXPECT_LE(a.size() * 4, bytes.size());
    } catch (const nilm::Error&) {
    }
  }
  fs::remove(path);
}

TEST(Npy, ReadsWhatNumpyWrites) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " lacks numpy";
  auto base = nilm::test::temp_dir("npy_numpy");
  fs::create_directories(base);
  std::ofstream(base + "/w.py") << "import numpy as np, sys\n"
                                   "d = sys.argv[1]\n"
                                   "np.save(d + '/f.npy', np.arange(1000, dtype=np.float32) / 4)\n"
                                   "np.save(d + '/u.npy', (np.arange(70000) % 3).astype(np.uint8))\n"
                                   "np.save(d + '/d.npy', np.zeros(4))\n";
  ASSERT_EQ(run_python(base + "/w.py", base), 0);
  NpyArray f(base + "/f.npy", NpyType::f32, 1000);
  EXPECT_EQ(f.f32()[999], 249.75f);
  NpyArray u(base + "/u.npy", NpyType::u8, 70000);
  EXPECT_EQ(u.u8()[69999], 69999 % 3);
  auto msg = error_of([&] { NpyArray(base + "/d.npy", NpyType::f32); });
  EXPECT_TRUE(contains(msg, "d.npy: dtype '<f8'")) << msg;
  fs::remove_all(base);
}

TEST_F(StoreTest, RoundTripsSeriesStatusAndReport) {
  auto a = nilm::test::make_house("HouseA", 200, 1, {{55, 60}, {90, 91}, {150, 152}});
  a.appliances.push_back({"freezer", std::vector<float>(200, 7.f)});  // not in the table
  a.counts.rows_read = 1234;
  a.counts.clipped_values = 3;
  auto b = nilm::test::make_house("HouseB", 80, 2);
  {
    StoreWriter w(dir, 8, builtin_appliance_table());
    w.add_house(a);
    w.add_house(b);
    Splits splits;
    splits["kettle"] = {{"HouseA"}, {}, {"HouseB"}};
    w.commit(splits, {{"source", {{"format", "test"}}}});
  }
  EXPECT_FALSE(fs::exists(dir + ".partial"));
  Store store = Store::open(dir);
  EXPECT_EQ(store.houses(), (std::vector<std::string>{"HouseA", "HouseB"}));
  EXPECT_EQ(store.period_s(), 8);
  EXPECT_EQ(store.scaling().aggregate_mean, 522);
  EXPECT_EQ(store.scaling().aggregate_std, 814);
  EXPECT_EQ(store.appliances().names(), builtin_appliance_table().names());
  EXPECT_EQ(store.split("kettle", "train"), std::vector<std::string>{"HouseA"});
  EXPECT_EQ(store.split("kettle", "test"), std::vector<std::string>{"HouseB"});
  EXPECT_TRUE(store.split("kettle", "validation").empty());
  EXPECT_TRUE(contains(error_of([&] { store.split("fridge", "train"); }), "fridge"));
  EXPECT_TRUE(contains(error_of([&] { store.house("House9"); }), "HouseA, HouseB"));
  EXPECT_EQ(store.metadata()["source"]["format"], "test");

  HouseView v = store.house("HouseA");
  ASSERT_EQ(v.n, 200u);
  EXPECT_EQ(v.start_unix, a.start_unix);
  EXPECT_EQ(v.appliance("freezer"), nullptr);
  ASSERT_NE(v.appliance("kettle"), nullptr);
  auto want_status = on_off_status_segmented(a.appliances[0].watts.data(), a.missing.data(), 200,
                                             builtin_appliances()[0], 8);
  for (std::size_t i = 0; i < 200; ++i) {
    ASSERT_EQ(v.aggregate[i], a.aggregate[i]);
    ASSERT_EQ(v.missing[i], a.missing[i]);
    ASSERT_EQ(v.appliance("kettle")[i], a.appliances[0].watts[i]);
    ASSERT_EQ(v.appliance("fridge")[i], a.appliances[1].watts[i]);
    ASSERT_EQ(v.status("kettle")[i], want_status[i]);
  }
  // Report, by hand: kettle bursts are samples 5..7 of every 17, 12 of them below 200. The gap
  // [55, 60) swallows burst 56..58; the gap [90, 91) leaves 91..92 (16 s >= 12 s min on: kept).
  const auto& e = store.metadata()["houses"][0];
  EXPECT_EQ(e["samples"], 200);
  EXPECT_EQ(e["missing_samples"], 8);
  EXPECT_EQ(e["valid_samples"], 192);
  EXPECT_EQ(e["counts"]["rows_read"], 1234);
  EXPECT_EQ(e["counts"]["clipped_values"], 3);
  EXPECT_EQ(e["ignored_channels"], nlohmann::json::array({"freezer"}));
  EXPECT_EQ(e["appliances"]["kettle"]["activations"], 11);
  EXPECT_EQ(e["appliances"]["kettle"]["on_samples"], 32);
  EXPECT_DOUBLE_EQ(e["appliances"]["kettle"]["on_fraction"].get<double>(), 32.0 / 192.0);
  EXPECT_EQ(e["end_unix"], a.start_unix + 200 * 8);
}

TEST_F(StoreTest, NumpyOpensTheStoreWithoutOurCode) {
  if (!python_has_numpy()) GTEST_SKIP() << kPython << " lacks numpy";
  auto a = nilm::test::make_house("HouseA", 200, 1, {{50, 55}});
  {
    StoreWriter w(dir, 8, builtin_appliance_table());
    w.add_house(a);
    w.commit({});
  }
  // The script checks what a Python user relies on: store.json names the files, numpy maps
  // them with the documented dtypes and lengths, and the values are the series we wrote.
  std::ofstream(dir + "/check.py") << R"(import json, sys, numpy as np
d = sys.argv[1]
meta = json.load(open(d + '/store.json'))
assert meta['format'] == 'nilm-store' and meta['version'] == 1, meta['format']
h = meta['houses'][0]
agg = np.load(d + '/' + h['aggregate'], mmap_mode='r')
miss = np.load(d + '/' + h['missing'], mmap_mode='r')
assert isinstance(agg, np.memmap), type(agg)
assert agg.dtype == np.float32 and agg.shape == (h['samples'],), (agg.dtype, agg.shape)
assert miss.dtype == np.uint8 and miss.shape == (200,)
assert int(miss.sum()) == h['missing_samples'] == 5
k = h['appliances']['kettle']
w = np.load(d + '/' + k['watts'], mmap_mode='r')
s = np.load(d + '/' + k['status'], mmap_mode='r')
assert w.dtype == np.float32 and s.dtype == np.uint8
assert int(s.sum()) == k['on_samples']
assert (s[w < 1500] == 0).all()
print('sum', float(agg.sum(dtype=np.float64)), 'first', float(agg[0]), float(w[5]))
with open(d + '/sums.txt', 'w') as f:
    f.write('%r %r %r\n' % (float(agg.sum(dtype=np.float64)), float(agg[0]), float(w[5])))
)";
  ASSERT_EQ(run_python(dir + "/check.py", dir), 0);
  double sum = 0;
  for (float x : a.aggregate) sum += x;
  double py_sum = 0, first = 0, w5 = 0;
  std::ifstream(dir + "/sums.txt") >> py_sum >> first >> w5;
  EXPECT_DOUBLE_EQ(py_sum, sum);
  EXPECT_EQ(first, a.aggregate[0]);
  EXPECT_EQ(w5, a.appliances[0].watts[5]);
}

TEST_F(StoreTest, BadStoreFilesNameTheFile) {
  nilm::test::write_small_store(dir);
  const std::string kstatus = dir + "/HouseA/kettle.status.npy";
  const std::string agg = dir + "/HouseB/aggregate.npy";
  auto status_bytes = read_bytes(kstatus);
  auto agg_bytes = read_bytes(agg);
  auto meta_text = read_bytes(dir + "/store.json");
  auto restore = [&] {
    write_bytes(kstatus, status_bytes);
    write_bytes(agg, agg_bytes);
    write_bytes(dir + "/store.json", meta_text);
  };
  auto expect_error = [&](const std::string& file, const std::string& what) {
    auto msg = error_of([&] { Store::open(dir); });
    EXPECT_TRUE(contains(msg, file)) << msg;
    EXPECT_TRUE(contains(msg, what)) << msg;
    restore();
  };
  ASSERT_NO_THROW(Store::open(dir));

  fs::remove(kstatus);
  expect_error(kstatus, "cannot open");

  write_bytes(kstatus, {status_bytes.begin(), status_bytes.end() - 10});
  expect_error(kstatus, "truncated");

  std::vector<float> wrong_type(200, 0.f);
  write_npy(kstatus, NpyType::f32, wrong_type.data(), wrong_type.size());
  expect_error(kstatus, "dtype '<f4', expected '|u1'");

  std::vector<float> short_series(79, 0.f);
  write_npy(agg, NpyType::f32, short_series.data(), short_series.size());
  expect_error(agg, "holds 79 values, expected 80");

  auto edit_meta = [&](auto f) {
    auto meta = nlohmann::json::parse(std::string(meta_text.begin(), meta_text.end()));
    f(meta);
    std::ofstream(dir + "/store.json") << meta.dump();
  };
  const std::string meta_path = dir + "/store.json";
  edit_meta([](auto& m) { m["houses"][1].erase("samples"); });
  expect_error(meta_path, "houses[1]: missing field \"samples\"");
  edit_meta([](auto& m) { m["version"] = 99; });
  expect_error(meta_path, "version 99");
  edit_meta([](auto& m) { m["format"] = "other"; });
  expect_error(meta_path, "\"format\"");
  edit_meta([](auto& m) { m["splits"]["kettle"]["test"] = {"House7"}; });
  expect_error(meta_path, "House7");
  edit_meta([](auto& m) { m["houses"][0]["aggregate"] = "../../etc/passwd"; });
  expect_error(meta_path, "not a path inside the store");
  edit_meta([](auto& m) { m["appliances"][0]["max_power_w"] = "big"; });
  expect_error(meta_path, "max_power_w");
  write_bytes(meta_path, {'{', 'x'});
  expect_error(meta_path, "not valid JSON");
  fs::remove(meta_path);
  expect_error(meta_path, "cannot open");
  EXPECT_TRUE(contains(error_of([&] { Store::open(dir + "/nope"); }), dir + "/nope"));
}

TEST_F(StoreTest, WriterRefusesForeignFoldersAndReplacesStores) {
  fs::create_directories(dir);
  std::ofstream(dir + "/precious.txt") << "keep me";
  auto msg = error_of([&] { StoreWriter w(dir, 8, builtin_appliance_table()); });
  EXPECT_TRUE(contains(msg, "refusing")) << msg;
  EXPECT_TRUE(fs::exists(dir + "/precious.txt"));
  fs::remove_all(dir);

  nilm::test::write_small_store(dir);
  {
    StoreWriter w(dir, 8, builtin_appliance_table());
    w.add_house(nilm::test::make_house("HouseC", 30, 3));
    // Destroyed without commit (as when a reader throws): the old store stays, no debris.
  }
  EXPECT_FALSE(fs::exists(dir + ".partial"));
  EXPECT_EQ(Store::open(dir).houses().size(), 2u);
  {
    StoreWriter w(dir, 8, builtin_appliance_table());
    w.add_house(nilm::test::make_house("HouseC", 30, 3));
    w.commit({});
  }
  EXPECT_EQ(Store::open(dir).houses(), std::vector<std::string>{"HouseC"});
  EXPECT_FALSE(fs::exists(dir + "/HouseA"));
}

TEST_F(StoreTest, WriterChecksItsInput) {
  StoreWriter w(dir, 8, builtin_appliance_table());
  auto h = nilm::test::make_house("HouseA", 30, 1);
  h.appliances[0].watts.pop_back();
  EXPECT_TRUE(contains(error_of([&] { w.add_house(h); }), "kettle has 29 samples"));
  auto bad = nilm::test::make_house("../evil", 30, 1);
  EXPECT_TRUE(contains(error_of([&] { w.add_house(bad); }), "../evil"));
  auto slow = nilm::test::make_house("HouseS", 30, 1);
  slow.period_s = 6;
  EXPECT_TRUE(contains(error_of([&] { w.add_house(slow); }), "sampled every 6"));
  w.add_house(nilm::test::make_house("HouseA", 30, 1));
  EXPECT_TRUE(contains(error_of([&] { w.add_house(nilm::test::make_house("HouseA", 30, 1)); }),
                       "twice"));
  Splits s;
  s["kettle"] = {{"HouseA"}, {}, {"HouseZ"}};
  EXPECT_TRUE(contains(error_of([&] { w.commit(s); }), "HouseZ"));
}

TEST(Splits, RefitSplitsAreNilmSection2) {
  auto s = refit_splits();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s["kettle"].train, (std::vector<std::string>{"House3", "House4", "House6", "House7",
                                                         "House8", "House9", "House12", "House13",
                                                         "House19", "House20"}));
  EXPECT_EQ(s["kettle"].validation, std::vector<std::string>{"House5"});
  EXPECT_EQ(s["kettle"].test, std::vector<std::string>{"House2"});
  EXPECT_EQ(s["microwave"].train, (std::vector<std::string>{"House10", "House12", "House19"}));
  EXPECT_EQ(s["microwave"].test, std::vector<std::string>{"House4"});
  EXPECT_EQ(s["fridge"].validation, std::vector<std::string>{"House12"});
  EXPECT_EQ(s["fridge"].test, std::vector<std::string>{"House15"});
  EXPECT_EQ(s["dishwasher"].train.size(), 5u);
  EXPECT_EQ(s["dishwasher"].test, std::vector<std::string>{"House20"});
  EXPECT_EQ(s["washing_machine"].train.size(), 7u);
  EXPECT_EQ(s["washing_machine"].validation, std::vector<std::string>{"House18"});
  EXPECT_EQ(s["washing_machine"].test, std::vector<std::string>{"House8"});
  // JSON round trip.
  auto back = parse_splits(splits_to_json(s), "rt");
  EXPECT_EQ(back["dishwasher"].train, s["dishwasher"].train);
}

TEST(Splits, FileErrorsNameFileAndAppliance) {
  auto path = nilm::test::temp_dir("splits") + ".json";
  auto check = [&](const std::string& text, const std::string& what) {
    SCOPED_TRACE(text);
    std::ofstream(path) << text;
    auto msg = error_of([&] { load_splits(path); });
    EXPECT_TRUE(contains(msg, path)) << msg;
    EXPECT_TRUE(contains(msg, what)) << msg;
  };
  check(R"({"kettle": {"train": ["A"], "tset": ["B"]}})", "unknown part \"tset\"");
  check(R"({"kettle": {"train": ["A"], "test": ["A"]}})", "house \"A\" is in train");
  check(R"({"kettle": {"validation": ["B"], "test": ["B"]}})", "\"B\" is in validation and test");
  check(R"({"kettle": {"train": "A"}})", "kettle");
  check(R"({"kettle": {"train": [3]}})", "expected house names");
  check(R"([1])", "expected an object");
  check(R"({)", "not valid JSON");
  std::ofstream(path) << R"({"kettle": {"train": ["A", "B"], "test": ["C"]}})";
  auto s = load_splits(path);
  EXPECT_EQ(s["kettle"].train, (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(s["kettle"].validation.empty());
  fs::remove(path);
  EXPECT_TRUE(contains(error_of([&] { load_splits(path); }), path));
}

TEST(Splits, RestrictReportsWhatItDrops) {
  Splits s;
  s["kettle"] = {{"A", "B"}, {"C"}, {"D"}};
  std::vector<std::string> dropped;
  auto r = restrict_splits(
      s, [](const std::string&, const std::string& h) { return h != "B" && h != "D"; }, dropped);
  EXPECT_EQ(r["kettle"].train, std::vector<std::string>{"A"});
  EXPECT_EQ(r["kettle"].validation, std::vector<std::string>{"C"});
  EXPECT_TRUE(r["kettle"].test.empty());
  EXPECT_EQ(dropped, (std::vector<std::string>{"kettle train: B", "kettle test: D"}));
}

TEST(Splits, PositionalFallback) {
  auto s = positional_splits({"h1", "h2", "h3", "h4"}, {"kettle"});
  EXPECT_EQ(s["kettle"].train, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(s["kettle"].validation, std::vector<std::string>{"h3"});
  EXPECT_EQ(s["kettle"].test, std::vector<std::string>{"h4"});
  auto two = positional_splits({"h1", "h2"}, {"kettle"});
  EXPECT_EQ(two["kettle"].train, std::vector<std::string>{"h1"});
  EXPECT_TRUE(two["kettle"].validation.empty());
  EXPECT_EQ(two["kettle"].test, std::vector<std::string>{"h2"});
}
