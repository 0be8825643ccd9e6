#include "eval/registry.h"

#include <filesystem>
#include <mutex>

#include "core/error.h"

namespace nilm::eval {

namespace {

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::vector<PredictorLoader>& loaders() {
  static std::vector<PredictorLoader> list;
  return list;
}

PredictorLoader find_loader(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path + ": no such model file");
  std::lock_guard lock(registry_mutex());
  const auto& list = loaders();
  for (auto it = list.rbegin(); it != list.rend(); ++it)
    if (it->accepts(path)) return *it;
  std::string known;
  for (const auto& l : list) known += (known.empty() ? "" : ", ") + l.name;
  fail(path + ": not a model this build can load (loaders: " +
       (known.empty() ? std::string("none") : known) +
       "; baselines are given as baseline:off or baseline:mean)");
}

}  // namespace

void register_predictor_loader(PredictorLoader loader) {
  std::lock_guard lock(registry_mutex());
  loaders().push_back(std::move(loader));
}

std::vector<std::string> registered_loader_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& l : loaders()) names.push_back(l.name);
  return names;
}

std::unique_ptr<Predictor> make_predictor(const std::string& path, int threads) {
  auto loader = find_loader(path);
  auto p = loader.load(path, threads < 1 ? 1 : threads);
  if (!p) fail(path + ": the " + loader.name + " loader returned no model");
  return p;
}

PredictorSet share_predictor(std::unique_ptr<Predictor> predictor, int threads) {
  PredictorSet set;
  set.workers.assign(static_cast<std::size_t>(threads < 1 ? 1 : threads), predictor.get());
  set.owned.push_back(std::move(predictor));
  return set;
}

PredictorSet make_predictors(const std::string& path, int threads) {
  if (threads < 1) threads = 1;
  auto loader = find_loader(path);
  PredictorSet set;
  switch (loader.parallelism) {
    case Parallelism::internal:
      set.owned.push_back(loader.load(path, threads));
      break;
    case Parallelism::shared:
      return share_predictor(loader.load(path, 1), threads);
    case Parallelism::per_worker:
      for (int i = 0; i < threads; ++i) set.owned.push_back(loader.load(path, 1));
      break;
  }
  for (auto& p : set.owned) {
    if (!p) fail(path + ": the " + loader.name + " loader returned no model");
    set.workers.push_back(p.get());
  }
  return set;
}

}  // namespace nilm::eval
