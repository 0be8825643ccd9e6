// Training throughput of the real models (samples/s): forward, the seq2point loss, backward
// and an Adam step on random windows, timed over a few steps after a warm-up step.
//   bench_train [--model cnn|transformer] [--batch N] [--steps N] [--threads N] [--no-malloc-tuning]
// Prints one line "RESULT model=... threads=... batch=... samples_per_s=..." for scripts.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "train/loss.h"
#include "train/models.h"
#include "train/train.h"

using namespace nilm::train;

int main(int argc, char** argv) {
  std::string arch = "cnn";
  int batch = 1024, steps = 5, threads = 1;
  bool malloc_tuning = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--model") arch = next();
    else if (a == "--batch") batch = std::atoi(next().c_str());
    else if (a == "--steps") steps = std::atoi(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--no-malloc-tuning") malloc_tuning = false;
    else {
      std::fprintf(stderr, "usage: bench_train [--model cnn|transformer] [--batch N] [--steps N] "
                           "[--threads N] [--no-malloc-tuning]\n");
      return 2;
    }
  }
  configure_process(threads, /*quiet=*/false);
  if (!malloc_tuning) {  // undo configure_process's setting, to measure what it is worth
    ::mallopt(M_MMAP_MAX, 65536);
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  }
  torch::manual_seed(0);
  auto model = build_model(default_spec(arch));
  model->train();
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-4));
  LossConfig cfg{1500.0f / 3100.0f, 1.0f, 0.05f};
  auto x = torch::randn({batch, 599});
  auto target = torch::rand({batch}) * 0.6;
  auto status = (target > cfg.threshold).to(torch::kFloat32);
  auto step = [&] {
    optimizer.zero_grad();
    auto loss = seq2point_loss(model->forward(x), target, status, cfg);
    loss.backward();
    optimizer.step();
    return loss.item<double>();
  };
  step();  // warm-up: first-touch allocations, OpenMP pool start
  auto t0 = std::chrono::steady_clock::now();
  double loss = 0;
  for (int s = 0; s < steps; ++s) loss = step();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("RESULT impl=libtorch_cpp model=%s threads=%d batch=%d steps=%d malloc_tuning=%d "
              "seconds=%.3f samples_per_s=%.1f parameters=%lld last_loss=%.5f\n",
              arch.c_str(), threads, batch, steps, malloc_tuning ? 1 : 0, seconds,
              double(batch) * steps / seconds, static_cast<long long>(parameter_count(*model)), loss);
  return 0;
}
