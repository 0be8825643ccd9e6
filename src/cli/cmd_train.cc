// `nilm train`: trains a seq2point model for one appliance on a prepared store (LibTorch).
#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"

#if NILM_WITH_TORCH
#include "train/train.h"
#endif

namespace nilm::cli {

#if NILM_WITH_TORCH
void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a seq2point model (CNN or transformer) for one appliance");
  struct Args {
    train::TrainOptions t;
    train::StoreTrainOptions s;
    std::string arch = "cnn";
    int window = 599;
  };
  auto args = std::make_shared<Args>();
  auto& t = args->t;
  auto& s = args->s;
  cmd->add_option("--store", s.store_dir, "Prepared store directory (nilm prepare)")->required();
  cmd->add_option("--appliance", s.appliance, "Appliance to disaggregate (e.g. kettle)")->required();
  cmd->add_option("--out", t.out_dir,
                  "Output directory: best.nilmckpt, last.nilmckpt, train_log.jsonl, loss.png, val_mae.png")
      ->required();
  cmd->add_option("--model", args->arch, "Architecture")
      ->check(CLI::IsMember({"cnn", "transformer"}))
      ->capture_default_str();
  cmd->add_option("--window", args->window, "Input window in samples (odd; the target is the midpoint)")
      ->check(CLI::Range(5, 100001))
      ->capture_default_str();
  cmd->add_option("--epochs", t.epochs, "Maximum number of epochs")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--patience", t.patience, "Early stopping: epochs without a better validation loss (or MAE, see --best-by)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--best-by", t.best_by,
                  "Validation figure that picks best.nilmckpt and drives early stopping: loss, or mae (watts; "
                  "better for rare appliances whose loss is dominated by a noisy BCE term)")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, nilm::train::TrainOptions::BestBy>{{"loss", nilm::train::TrainOptions::BestBy::loss},
                                                                    {"mae", nilm::train::TrainOptions::BestBy::mae}},
          CLI::ignore_case))
      ->capture_default_str();
  cmd->add_option("--batch", t.batch, "Global batch size (split across ranks)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--lr", t.lr, "Adam learning rate (fine-tuning: e.g. 1e-5)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--status-temperature", t.status_temperature,
                  "Soft status temperature T of the loss's BCE term, as a fraction of P_m")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", t.seed, "Seed of weight initialisation, shuffling and dropout")->capture_default_str();
  cmd->add_option("--threads", t.threads, "CPU threads (0: all cores)")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--max-windows-per-epoch", s.max_windows_per_epoch,
                  "Cap on training windows per epoch, a new random subset each epoch (0: all)")
      ->capture_default_str();
  cmd->add_option("--max-validation-windows", s.max_validation_windows,
                  "Cap on validation windows, evenly spaced and the same every epoch (0: all)")
      ->capture_default_str();
  cmd->add_flag("--balanced", s.balanced, "Equal numbers of on and off midpoints in training");
  cmd->add_option("--on-share", s.on_share,
                  "Partially balanced training: this share of each batch has the appliance on at the "
                  "midpoint, the rest is sampled naturally (0: natural; 0.5 = --balanced)")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  cmd->add_flag("--resume", t.resume, "Continue the run in --out from last.nilmckpt");
  cmd->add_option("--finetune", t.finetune_from,
                  "Start from this checkpoint's weights (architecture and window from the file)")
      ->check(CLI::ExistingPath);
  cmd->add_flag("--freeze-conv", t.freeze_conv, "Fine-tuning: keep the convolutional front end fixed");
  cmd->add_option("--rank", t.rank, "Data parallel: this process's rank")->check(CLI::NonNegativeNumber);
  cmd->add_option("--world-size", t.world_size, "Data parallel: number of processes")->check(CLI::PositiveNumber);
  cmd->add_option("--master-addr", t.master_addr, "Data parallel: rank 0's address (TCP rendezvous)")
      ->capture_default_str();
  cmd->add_option("--master-port", t.master_port, "Data parallel: rank 0's port (TCP rendezvous)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  cmd->add_option("--rendezvous-file", t.rendezvous_file,
                  "Data parallel: rendezvous through this file on a shared filesystem instead of TCP");
  cmd->callback([args] {
    if (args->t.freeze_conv && args->t.finetune_from.empty() && !args->t.resume)
      throw CLI::ValidationError("--freeze-conv", "needs --finetune CKPT");
    args->t.model = train::default_spec(args->arch, args->window);
    auto r = train::train_from_store(args->t, args->s);
    if (args->t.rank != 0) return;
    if (r.history.empty()) {
      std::printf("nothing to do: %s already finished (%s)\n", args->t.out_dir.c_str(),
                  r.stopped_early ? "stopped early" : "all epochs done");
      return;
    }
    const auto& best = r.history.at(static_cast<std::size_t>(r.best_epoch - 1));
    std::printf("trained %s on %s: %zu epochs%s, best epoch %d: validation loss %.5f, MAE %.2f W\n",
                args->arch.c_str(), r.device.c_str(), r.history.size(),
                r.stopped_early ? " (stopped early)" : "", r.best_epoch, best.val_loss, best.val_mae_w);
    std::printf("best checkpoint: %s\nlast checkpoint: %s\n", r.best_path.c_str(), r.last_path.c_str());
  });
}
#else
void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a seq2point model (this build has no LibTorch)");
  cmd->allow_extras();
  cmd->callback([] { fail("this nilm was built without LibTorch (NILM_WITH_TORCH=OFF): no training"); });
}
#endif

}  // namespace nilm::cli
