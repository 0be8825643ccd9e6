// Where model formats plug into `make_predictor` (eval/registry.h). nilm_eval links neither
// LibTorch nor the runtime; the program registers the loaders its build has, once, at start-up.
// Each layer adds one line here:
//   train layer (LibTorch checkpoints, #if NILM_WITH_TORCH): register_predictor_loader({
//       "LibTorch checkpoint", train::is_checkpoint, train::load_checkpoint_predictor,
//       eval::Parallelism::internal});
//   runtime layer (.tflite): register_predictor_loader({".tflite", ..., Parallelism::per_worker});
#include "cli/commands.h"
#include "eval/registry.h"
#if NILM_WITH_TORCH
#include "train/predictor.h"
#endif

namespace nilm::cli {

void register_predictor_loaders() {
#if NILM_WITH_TORCH
  eval::register_predictor_loader(train::checkpoint_predictor_loader());
#endif
  eval::register_predictor_loader({".tflite",
                                   [](const std::string& path) {
                                     return path.size() > 7 && path.compare(path.size() - 7, 7, ".tflite") == 0;
                                   },
                                   load_tflite_predictor, eval::Parallelism::per_worker});
}

}  // namespace nilm::cli
