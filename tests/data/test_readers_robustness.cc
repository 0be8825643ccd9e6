// Damaged files never crash a reader: every read either succeeds or throws nilm::Error.
// (Run under NILM_SANITIZE=ON this also checks that no parser reads past a line or a file.)
#include <gtest/gtest.h>

#include <random>

#include "data/readers.h"
#include "readers_fixtures.h"

namespace nilm::data {
namespace {

using testing::TempDir;
using testing::write_file;

std::string damage(std::string text, std::mt19937& rng) {
  const char garbage[] = ",\n\r -+.eE0123456789naNinfZT:\"\xff";
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = rng() % text.size();
    switch (rng() % 4) {
      case 0: text[at] = garbage[rng() % (sizeof garbage - 1)]; break;     // change a byte
      case 1: text.erase(at, 1 + rng() % 8); break;                         // drop bytes
      case 2: text.insert(at, 1, garbage[rng() % (sizeof garbage - 1)]); break;
      default: text.resize(at); break;                                      // cut the file
    }
  }
  return text;
}

template <class Read>
void survive(const std::string& path, const std::string& good, Read read, int trials) {
  std::mt19937 rng(5);
  int ok = 0;
  for (int i = 0; i < trials; ++i) {
    write_file(path, damage(good, rng));
    try {
      HouseSeries h = read();
      ++ok;
      EXPECT_EQ(h.missing.size(), h.aggregate.size());
      for (const auto& a : h.appliances) EXPECT_EQ(a.watts.size(), h.aggregate.size());
    } catch (const Error&) {
    }
  }
  EXPECT_GT(ok, 0);  // some damage is repaired by policy, not all of it is an error
}

TEST(ReadersRobustness, DamagedRefitCsv) {
  TempDir dir;
  std::string good = "Time,Unix,Aggregate,Appliance1,Appliance2,Appliance3,Appliance4,Appliance5,"
                     "Appliance6,Appliance7,Appliance8,Appliance9,Issues\n";
  for (int i = 0; i < 40; ++i)
    good += "2013-10-09 13:06:17," + std::to_string(1381323977 + 8 * i) + ",523,74,0,69,0,0,0,0,0,1,0\n";
  survive(dir / "CLEAN_House2.csv", good,
          [&] { return read_house(Format::refit, {"House2", dir / "CLEAN_House2.csv"}, {}); }, 150);
}

TEST(ReadersRobustness, DamagedGenericCsvAndDatFiles) {
  TempDir dir;
  std::string csv = "time,aggregate,kettle\n";
  for (int i = 0; i < 30; ++i) csv += "2024-03-01T12:00:" + std::to_string(10 + i) + "+01:00,100.5,2e3\n";
  survive(dir / "m.csv", csv, [&] { return read_house(Format::csv, {"m", dir / "m.csv"}, {}); }, 100);

  write_file(dir / "house_1/labels.dat", "1 aggregate\n2 kettle\n");
  std::string dat;
  for (int i = 0; i < 30; ++i) dat += std::to_string(1303132929 + 6 * i) + " " + std::to_string(i * 7.25) + "\n";
  write_file(dir / "house_1/channel_1.dat", dat);
  survive(dir / "house_1/channel_2.dat", dat,
          [&] { return read_house(Format::ukdale, {"house_1", dir / "house_1"}, {}); }, 100);
  write_file(dir / "house_1/channel_2.dat", dat);
  survive(dir / "house_1/labels.dat", "1 aggregate\n2 kettle\n",
          [&] { return read_house(Format::ukdale, {"house_1", dir / "house_1"}, {}); }, 60);
}

}  // namespace
}  // namespace nilm::data
