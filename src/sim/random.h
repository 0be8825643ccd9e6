// The simulator's own random numbers. std::*_distribution results differ between standard
// libraries, so a seed would not give the same houses everywhere; these are written out
// (xoshiro256**, Box-Muller, inversion) and give the same stream on every platform.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace nilm::sim {

// SplitMix64 step: a good 64-bit mixer, used to derive independent seeds from (seed, tags).
std::uint64_t mix64(std::uint64_t x);
// A seed for one independent stream, e.g. derive_seed(house_seed, {kKettleTag, day}).
std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> tags);

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next();
  double uniform();                          // [0, 1)
  double uniform(double lo, double hi);      // [lo, hi)
  int integer(int lo, int hi);               // [lo, hi], inclusive
  bool chance(double p);                     // true with probability p
  double normal(double mean, double sd);     // Box-Muller (no cached second value: simpler)
  double exponential(double mean);
  int poisson(double mean);                  // Knuth's product method; mean is small here
  double log_uniform(double lo, double hi);  // uniform in log space: durations spanning decades

 private:
  std::uint64_t s_[4];
};

// A parameter range "drawn per house": the documented bounds of every model number.
struct Range {
  double lo, hi;
  double draw(Rng& rng) const { return rng.uniform(lo, hi); }
  bool contains(double v) const { return v >= lo && v <= hi; }
};

}  // namespace nilm::sim
