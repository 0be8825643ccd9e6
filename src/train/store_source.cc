// train_from_store: the prepared store's window samplers as the trainer's batch sources.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "train/checkpoint_file.h"
#include "train/train.h"

#if __has_include("data/sampler.h")
#include "data/sampler.h"
#include "data/store.h"
#define NILM_TRAIN_HAVE_SAMPLER 1
#endif

namespace nilm::train {

#ifdef NILM_TRAIN_HAVE_SAMPLER
namespace {

class SamplerSource final : public BatchSource {
 public:
  SamplerSource(const data::Store& store, const std::string& appliance,
                const std::vector<std::string>& houses, data::SamplerOptions o)
      : sampler_(store, appliance, houses, o) {}
  std::size_t size() const override { return sampler_.size(); }
  void start_epoch(std::uint64_t epoch) override { sampler_.start_epoch(epoch); }
  std::size_t fill_batch(std::size_t batch, float* in, float* tg, float* st) override {
    return sampler_.fill_batch(batch, in, tg, st);
  }

 private:
  data::WindowSampler sampler_;
};

}  // namespace

TrainResult train_from_store(const TrainOptions& opt, const StoreTrainOptions& so) {
  data::Store store = data::Store::open(so.store_dir);
  const auto& params = store.appliances().get(so.appliance);
  auto train_houses = store.split(so.appliance, "train");
  auto val_houses = store.split(so.appliance, "validation");
  if (train_houses.empty()) fail(so.store_dir + ": the split for '" + so.appliance + "' has no training houses");
  if (val_houses.empty()) fail(so.store_dir + ": the split for '" + so.appliance + "' has no validation houses");

  // The window comes from the model: the one being fine-tuned or resumed, else --window.
  TrainOptions o = opt;
  std::string base = opt.resume ? opt.out_dir + "/last.nilmckpt" : opt.finetune_from;
  if (!base.empty() && std::filesystem::exists(base)) {
    if (std::filesystem::is_directory(base)) base += "/best.nilmckpt";
    o.model = model_spec_from_json(read_checkpoint_file(base).meta.at("model"), base);
  }

  data::SamplerOptions train_opts;
  train_opts.window = o.model.window;
  train_opts.shuffle = true;
  train_opts.seed = opt.seed;
  train_opts.max_windows = so.max_windows_per_epoch;
  data::SamplerOptions val_opts = train_opts;
  val_opts.balanced = false;
  val_opts.seed = opt.seed + 1;
  val_opts.max_windows = so.max_validation_windows;
  val_opts.shuffle = false;  // capped: evenly spaced windows, the same every epoch

  if (!(so.on_share >= 0 && so.on_share <= 0.5))
    fail(fmt::format("--on-share {} is outside [0, 0.5] (0.5 is --balanced)", so.on_share));
  TrainData d;
  const bool mixed = !so.balanced && so.on_share > 0 && so.on_share < 0.5;
  if (so.balanced || so.on_share >= 0.5) {
    train_opts.balanced = true;
    d.train = std::make_unique<SamplerSource>(store, so.appliance, train_houses, train_opts);
  } else if (mixed) {
    // The balanced sampler's windows are half on, so it supplies 2 x on_share of each batch.
    auto natural = std::make_unique<SamplerSource>(store, so.appliance, train_houses, train_opts);
    const std::size_t total = natural->size();  // the cap, or every window
    const auto from_balanced = static_cast<std::size_t>(std::llround(2 * so.on_share * static_cast<double>(total)));
    train_opts.max_windows = std::max<std::size_t>(1, total - from_balanced);
    natural = std::make_unique<SamplerSource>(store, so.appliance, train_houses, train_opts);
    data::SamplerOptions balanced_opts = train_opts;
    balanced_opts.balanced = true;
    balanced_opts.seed = opt.seed + 2;
    balanced_opts.max_windows = std::max<std::size_t>(2, from_balanced);
    auto balanced = std::make_unique<SamplerSource>(store, so.appliance, train_houses, balanced_opts);
    d.train = mix_sources(std::move(natural), std::move(balanced), 2 * so.on_share, o.model.window);
  } else {
    d.train = std::make_unique<SamplerSource>(store, so.appliance, train_houses, train_opts);
  }
  d.validation = std::make_unique<SamplerSource>(store, so.appliance, val_houses, val_opts);
  d.meta.model = o.model;
  d.meta.appliance = {params.name, params.on_threshold_w, params.max_power_w,
                      params.min_on_s, params.min_off_s, params.loss_weight};
  d.meta.aggregate_mean = store.scaling().aggregate_mean;
  d.meta.aggregate_std = store.scaling().aggregate_std;
  d.meta.period_s = store.period_s();
  d.meta.data = {{"store", std::filesystem::absolute(so.store_dir).lexically_normal().string()},
                 {"appliance", so.appliance},
                 {"train_houses", train_houses},
                 {"validation_houses", val_houses},
                 {"test_houses", store.split(so.appliance, "test")},
                 {"train_windows_per_epoch", d.train->size()},
                 {"validation_windows", d.validation->size()},
                 {"max_windows_per_epoch", so.max_windows_per_epoch},
                 {"balanced", so.balanced || so.on_share >= 0.5},
                 {"on_share", so.balanced ? 0.5 : so.on_share}};
  if (store.metadata().contains("source")) d.meta.data["source"] = store.metadata()["source"];
  if (!opt.quiet && opt.rank == 0)
    fmt::print(stderr, "train: {} from {}: {} training windows per epoch ({} houses{}), {} validation windows ({})\n",
               so.appliance, so.store_dir, d.train->size(), train_houses.size(),
               so.balanced || so.on_share >= 0.5 ? ", balanced"
               : mixed ? fmt::format(", {:.0f}% of each batch with the appliance on", 100 * so.on_share) : "",
               d.validation->size(), fmt::join(val_houses, ", "));
  return train(o, d);
}
#else
TrainResult train_from_store(const TrainOptions&, const StoreTrainOptions&) {
  fail("this build has no window sampler (data/sampler.h): cannot train from a store");
}
#endif

}  // namespace nilm::train
