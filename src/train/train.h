// Training seq2point models (`nilm train`). Public header: no LibTorch here.
//
// train_from_store() opens a prepared store, builds the window samplers for one appliance and
// runs train(); train() is the loop itself over any BatchSource (tests use synthetic ones).
// Output directory: best.nilmckpt (lowest validation loss), last.nilmckpt + last.state.pt
// (optimizer and RNG, for --resume), train_log.jsonl (one JSON object per epoch), loss.png and
// val_mae.png. See docs/training.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/model_spec.h"

namespace nilm::train {

// Batches of normalised windows; data::WindowSampler has exactly this shape.
struct BatchSource {
  virtual ~BatchSource() = default;
  virtual std::size_t size() const = 0;  // windows per epoch
  virtual void start_epoch(std::uint64_t epoch) = 0;
  // inputs [count x window], targets watts / P_m, status 0/1; returns count (0 at the end)
  virtual std::size_t fill_batch(std::size_t batch, float* inputs, float* targets, float* status) = 0;
};

struct TrainData {
  std::unique_ptr<BatchSource> train;
  std::unique_ptr<BatchSource> validation;
  CheckpointMeta meta;  // model spec is overwritten by TrainOptions; appliance, scaling, data here
};

struct TrainOptions {
  std::string out_dir;                 // checkpoints, log and plots go here
  ModelSpec model = default_spec("cnn");
  int epochs = 100;
  int patience = 6;                    // early stopping: epochs without a better validation loss
  std::size_t batch = 1024;            // global batch (split across ranks)
  double lr = 1e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // Soft status sigmoid temperature, fraction of P_m. 0.2, not 0.05: at 0.05 the BCE term has no
  // gradient below threshold - 3T, so nothing but the MSE pulls off-samples down against the
  // L1-over-O pull of under-predicted on-samples, and short runs keep a floor (docs/training.md).
  float status_temperature = 0.2f;
  std::uint64_t seed = 0;
  // Which validation figure picks best.nilmckpt and drives early stopping: the loss, or the MAE in
  // watts (the noisy BCE term of rare appliances can hide the epoch that predicts best: the
  // microwave's lowest-loss epoch scored F1 0.78 on the test house, its lowest-MAE epoch 0.94).
  enum class BestBy { loss, mae };
  BestBy best_by = BestBy::loss;
  int threads = 0;                     // 0: all hardware threads
  bool resume = false;                 // continue from out_dir/last.nilmckpt
  std::string finetune_from;           // start from these weights (architecture from the file)
  bool freeze_conv = false;            // fine-tuning: keep the convolutional front end fixed
  // data parallel (c10d + Gloo); world_size 1 = single process
  int rank = 0, world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string rendezvous_file;         // FileStore path instead of TCP (shared filesystem)
  bool quiet = false;                  // no progress and no log lines (tests)
};

struct EpochRecord {
  int epoch = 0;                // 1-based
  std::uint64_t step = 0;       // optimizer steps so far
  double train_loss = 0;        // mean over the epoch's batches
  double val_loss = 0;          // over the whole validation set (sums, then the formula)
  double val_mae_w = 0;         // watts, predictions clipped at 0
  double samples_per_s = 0;
  double seconds = 0;
  bool improved = false;
};

struct TrainResult {
  std::vector<EpochRecord> history;
  int best_epoch = 0;
  double best_val_loss = 0;  // the best epoch's validation loss (whatever best_by chose it by)
  bool stopped_early = false;
  std::int64_t parameters = 0;
  std::string device;            // "cpu" or "cuda"
  std::string best_path, last_path;
};

TrainResult train(const TrainOptions&, TrainData& data);

// Batches that take round(share_b * batch) windows from b and the rest from a (the other one
// fills in when one runs out); an epoch is both sources' epochs. For partially balanced
// sampling: a = natural sampling, b = the balanced sampler (half on-midpoints).
std::unique_ptr<BatchSource> mix_sources(std::unique_ptr<BatchSource> a, std::unique_ptr<BatchSource> b,
                                         double share_b, int window);

// Store-backed training (needs the data layer's store and sampler).
struct StoreTrainOptions {
  std::string store_dir;
  std::string appliance;
  std::size_t max_windows_per_epoch = 0;  // cap training windows per epoch (0 = all)
  std::size_t max_validation_windows = 0; // cap validation windows (a fixed random subset)
  bool balanced = false;                  // equal on/off midpoints in training batches
  // Partially balanced: this share of each batch's windows has an on midpoint (at least; the
  // natural part adds its own few), drawn from the balanced sampler. 0 = natural sampling;
  // 0.5 is --balanced. The epoch keeps max_windows_per_epoch windows in all.
  double on_share = 0;
};
TrainResult train_from_store(const TrainOptions&, const StoreTrainOptions&);

// Process set-up for training and inference, done once, early: thread count (LibTorch and
// OpenMP), glibc malloc tuning (no mmap/munmap of large tensors every step: ~50% faster here),
// and a loud warning when libblas.so.3 is the slow reference BLAS. Returns the thread count.
int configure_process(int threads, bool quiet = false);

struct BlasInfo {
  std::string path;       // the file that provides sgemm_
  bool reference = false; // netlib reference BLAS (~12x slower training)
  bool openblas_pthread = false;  // fights LibTorch's OpenMP threads
};
BlasInfo loaded_blas();

// Parameters of the model `spec` describes (builds it).
std::int64_t count_parameters(const ModelSpec& spec);

}  // namespace nilm::train
