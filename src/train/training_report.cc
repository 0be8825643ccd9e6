#include "train/training_report.h"

#include <cstdio>
#include <fstream>

#include "core/error.h"
#if __has_include("plot/plot.h")
#include "plot/plot.h"
#define NILM_TRAIN_HAVE_PLOT 1
#endif

namespace nilm::train {

nlohmann::json to_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},         {"step", r.step},       {"train_loss", r.train_loss},
          {"val_loss", r.val_loss},   {"val_mae_w", r.val_mae_w},
          {"samples_per_s", r.samples_per_s}, {"seconds", r.seconds}, {"improved", r.improved}};
}

void write_training_report(const std::string& dir, const std::vector<EpochRecord>& history) {
  const std::string log_path = dir + "/train_log.jsonl";
  {
    std::ofstream log(log_path + ".tmp", std::ios::trunc);
    for (const auto& r : history) log << to_json(r).dump() << '\n';
    if (!log.flush()) fail(log_path + ": cannot write the training log");
  }
  std::rename((log_path + ".tmp").c_str(), log_path.c_str());
#ifdef NILM_TRAIN_HAVE_PLOT
  plot::Series train_loss{"training loss", {}, {}}, val_loss{"validation loss", {}, {}},
      mae{"validation MAE (W)", {}, {}};
  for (const auto& r : history) {
    train_loss.x.push_back(r.epoch);
    train_loss.y.push_back(r.train_loss);
    val_loss.x.push_back(r.epoch);
    val_loss.y.push_back(r.val_loss);
    mae.x.push_back(r.epoch);
    mae.y.push_back(r.val_mae_w);
  }
  plot::LineChart losses{"Training and validation loss", "epoch", "loss", {train_loss, val_loss}, true};
  plot::write_png(losses, dir + "/loss.png");
  plot::LineChart maes{"Validation MAE", "epoch", "MAE (W)", {mae}, false};
  plot::write_png(maes, dir + "/val_mae.png");
#endif
}

}  // namespace nilm::train
