// train_from_store: the prepared store's window samplers as the trainer's batch sources.
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
  train_opts.balanced = so.balanced;
  train_opts.max_windows = so.max_windows_per_epoch;
  data::SamplerOptions val_opts = train_opts;
  val_opts.balanced = false;
  val_opts.seed = opt.seed + 1;
  val_opts.max_windows = so.max_validation_windows;
  val_opts.shuffle = false;  // capped: evenly spaced windows, the same every epoch

  TrainData d;
  d.train = std::make_unique<SamplerSource>(store, so.appliance, train_houses, train_opts);
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
                 {"balanced", so.balanced}};
  if (store.metadata().contains("source")) d.meta.data["source"] = store.metadata()["source"];
  if (!opt.quiet && opt.rank == 0)
    fmt::print(stderr, "train: {} from {}: {} training windows per epoch ({} houses), {} validation windows ({})\n",
               so.appliance, so.store_dir, d.train->size(), train_houses.size(), d.validation->size(),
               fmt::join(val_houses, ", "));
  return train(o, d);
}
#else
TrainResult train_from_store(const TrainOptions&, const StoreTrainOptions&) {
  fail("this build has no window sampler (data/sampler.h): cannot train from a store");
}
#endif

}  // namespace nilm::train
