// The training loop on synthetic data with tiny models: learning, early stopping, resume,
// fine-tuning, and two-process data parallelism.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "synthetic.h"
#include "train/checkpoint.h"
#include "train/train.h"

extern char** environ;

namespace nilm::train {
namespace {

namespace fs = std::filesystem;
using testing::synthetic_data;
using testing::tiny_cnn;
using testing::tiny_transformer;

std::string fresh_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("nilm_train_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

TrainOptions quick_options(const std::string& dir, const ModelSpec& spec) {
  TrainOptions o;
  o.out_dir = dir;
  o.model = spec;
  o.batch = 32;
  o.lr = 3e-3;
  o.threads = 1;
  o.quiet = true;
  o.seed = 7;
  return o;
}

TEST(Trainer, TinyModelOverfitsATinyDataset) {
  auto transformer = tiny_transformer();
  transformer.dropout = 0;  // memorising, not generalising
  for (auto spec : {tiny_cnn(), transformer}) {
    auto dir = fresh_dir("overfit_" + spec.arch);
    auto o = quick_options(dir, spec);
    o.epochs = spec.arch == "cnn" ? 30 : 60;
    o.patience = 1000;
    // A sharp soft status: the BCE floor of the default T 0.2 keeps a memorised set's loss
    // above first / 10 (docs/training.md, the loss).
    o.status_temperature = 0.05f;
    auto data = synthetic_data(spec, 64, 64);
    data.validation = std::make_unique<testing::SyntheticSource>(64, spec.window, 1);  // = train set
    auto r = train(o, data);
    ASSERT_EQ(r.history.size(), std::size_t(o.epochs));
    double first = r.history.front().train_loss, last = r.history.back().train_loss;
    EXPECT_LT(last, first / 10) << spec.arch << ": " << first << " -> " << last;
    EXPECT_TRUE(fs::exists(dir + "/best.nilmckpt"));
    EXPECT_TRUE(fs::exists(dir + "/last.nilmckpt"));
    EXPECT_TRUE(fs::exists(dir + "/train_log.jsonl"));
    EXPECT_TRUE(fs::exists(dir + "/loss.png"));
    // The log has one line per epoch.
    std::ifstream log(dir + "/train_log.jsonl");
    int lines = 0;
    for (std::string line; std::getline(log, line);) ++lines;
    EXPECT_EQ(lines, o.epochs);
    fs::remove_all(dir);
  }
}

TEST(Trainer, EarlyStoppingTriggersOnAPlateauAndKeepsTheBest) {
  auto dir = fresh_dir("plateau");
  auto o = quick_options(dir, tiny_cnn());
  o.lr = 0;  // weights never change: the validation loss is flat from epoch 1
  o.epochs = 20;
  o.patience = 3;
  auto data = synthetic_data(o.model, 64, 32);
  auto r = train(o, data);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.history.size(), 4u);  // epoch 1 is the best, then 3 without improvement
  EXPECT_EQ(r.best_epoch, 1);
  auto best = read_checkpoint_file(dir + "/best.nilmckpt");
  EXPECT_EQ(best.meta["training"]["state"]["epoch"], 1);
  auto last = read_checkpoint_file(dir + "/last.nilmckpt");
  EXPECT_EQ(last.meta["training"]["state"]["epoch"], 4);
  fs::remove_all(dir);
}

// best.nilmckpt is the epoch with the lowest validation loss, or with --best-by mae the lowest
// validation MAE; resuming under the other criterion is refused (best.nilmckpt would mix the two).
TEST(Trainer, BestCheckpointFollowsTheChosenValidationFigure) {
  for (auto by : {TrainOptions::BestBy::loss, TrainOptions::BestBy::mae}) {
    auto dir = fresh_dir("best_by");
    auto o = quick_options(dir, tiny_cnn());
    o.epochs = 6;
    o.patience = 6;
    o.best_by = by;
    auto data = synthetic_data(o.model, 64, 32);
    auto r = train(o, data);
    ASSERT_EQ(r.history.size(), 6u);
    auto figure = [&](const EpochRecord& e) { return by == TrainOptions::BestBy::mae ? e.val_mae_w : e.val_loss; };
    int expect = 1;
    for (const auto& e : r.history)
      if (figure(e) < figure(r.history[expect - 1])) expect = e.epoch;
    EXPECT_EQ(r.best_epoch, expect);
    EXPECT_EQ(r.best_val_loss, r.history[expect - 1].val_loss);
    auto best = read_checkpoint_file(dir + "/best.nilmckpt");
    EXPECT_EQ(best.meta["training"]["state"]["epoch"], expect);
    o.resume = true;
    o.epochs = 7;
    o.best_by = by == TrainOptions::BestBy::mae ? TrainOptions::BestBy::loss : TrainOptions::BestBy::mae;
    EXPECT_THROW(train(o, data), nilm::Error);
    fs::remove_all(dir);
  }
}

TEST(Trainer, ResumeContinuesFromTheSameStep) {
  for (auto spec : {tiny_cnn(), tiny_transformer()}) {  // the transformer's dropout needs the RNG state
    auto straight_dir = fresh_dir("straight"), split_dir = fresh_dir("split");
    auto o = quick_options(straight_dir, spec);
    o.epochs = 3;
    auto d1 = synthetic_data(spec, 96, 32);
    auto straight = train(o, d1);

    o.out_dir = split_dir;
    o.epochs = 2;
    auto d2 = synthetic_data(spec, 96, 32);
    train(o, d2);
    o.epochs = 3;
    o.resume = true;
    o.seed = 12345;  // ignored on resume: the state comes from the checkpoint
    auto d3 = synthetic_data(spec, 96, 32);
    auto resumed = train(o, d3);

    ASSERT_EQ(resumed.history.size(), 3u) << spec.arch;
    EXPECT_EQ(resumed.history[2].step, straight.history[2].step);
    EXPECT_EQ(resumed.history[2].step, 9u);  // 3 epochs x 3 batches of 32
    EXPECT_NEAR(resumed.history[2].train_loss, straight.history[2].train_loss, 1e-6) << spec.arch;
    EXPECT_NEAR(resumed.history[2].val_loss, straight.history[2].val_loss, 1e-6) << spec.arch;
    auto a = read_checkpoint_file(straight_dir + "/last.nilmckpt");
    auto b = read_checkpoint_file(split_dir + "/last.nilmckpt");
    for (const auto& t : a.tensors) {
      const auto* u = b.find(t.name);
      ASSERT_NE(u, nullptr);
      for (std::size_t i = 0; i < t.data.size(); ++i)
        ASSERT_NEAR(t.data[i], u->data[i], 1e-6) << spec.arch << " " << t.name;
    }
    fs::remove_all(straight_dir);
    fs::remove_all(split_dir);
  }
}

TEST(Trainer, FineTuningCanFreezeTheConvolutionalFrontEnd) {
  auto base_dir = fresh_dir("base"), tuned_dir = fresh_dir("tuned");
  auto o = quick_options(base_dir, tiny_cnn());
  o.epochs = 1;
  auto d1 = synthetic_data(o.model, 64, 32);
  train(o, d1);

  TrainOptions f = quick_options(tuned_dir, default_spec("cnn"));  // spec comes from the file
  f.finetune_from = base_dir + "/best.nilmckpt";
  f.freeze_conv = true;
  f.lr = 1e-3;
  f.epochs = 2;
  auto d2 = synthetic_data(tiny_cnn(), 64, 32, 99);
  train(f, d2);
  auto before = read_checkpoint_file(base_dir + "/best.nilmckpt");
  auto after = read_checkpoint_file(tuned_dir + "/last.nilmckpt");
  EXPECT_EQ(before.find("conv1.weight")->data, after.find("conv1.weight")->data);
  EXPECT_EQ(before.find("conv2.bias")->data, after.find("conv2.bias")->data);
  EXPECT_NE(before.find("dense1.weight")->data, after.find("dense1.weight")->data);
  EXPECT_EQ(after.meta["training"]["options"]["finetune_from"], f.finetune_from);
  fs::remove_all(base_dir);
  fs::remove_all(tuned_dir);
}

TEST(Trainer, WindowMismatchIsAClearError) {
  auto o = quick_options(fresh_dir("mismatch"), tiny_cnn(32));
  auto data = synthetic_data(tiny_cnn(40), 16, 16);
  EXPECT_THROW(train(o, data), Error);
}

// Data parallelism: this test program runs itself twice more as ranks 0 and 1 (the worker
// test below, selected by environment), on loopback through a FileStore, and compares their
// loss curve with a single process on the same global batch.
constexpr const char* kRankVar = "NILM_TEST_TRAIN_RANK";

TrainOptions parallel_options(const std::string& dir) {
  auto o = quick_options(dir, tiny_cnn());
  o.batch = 48;  // 24 per rank; 100 windows: the last batch (4) splits 2 + 2
  o.epochs = 3;
  return o;
}

TEST(Distributed, Worker) {
  const char* rank = std::getenv(kRankVar);
  if (!rank) GTEST_SKIP() << "runs only as a child of TwoProcessesMatchOneProcess";
  auto o = parallel_options(std::getenv("NILM_TEST_TRAIN_DIR"));
  o.rank = std::atoi(rank);
  o.world_size = 2;
  o.rendezvous_file = std::string(std::getenv("NILM_TEST_TRAIN_DIR")) + ".rendezvous";
  auto data = synthetic_data(o.model, 100, 40);
  auto r = train(o, data);
  std::ofstream out(std::string(std::getenv("NILM_TEST_TRAIN_DIR")) + ".rank" + rank);
  for (const auto& e : r.history) out << e.train_loss << ' ' << e.val_loss << '\n';
}

TEST(Distributed, TwoProcessesMatchOneProcess) {
  if (std::getenv(kRankVar)) GTEST_SKIP();
  auto single_dir = fresh_dir("single"), dp_dir = fresh_dir("dp");
  auto o = parallel_options(single_dir);
  auto data = synthetic_data(o.model, 100, 40);
  auto single = train(o, data);

  fs::remove(dp_dir + ".rendezvous");
  std::vector<pid_t> pids;
  for (int rank = 0; rank < 2; ++rank) {
    std::string rank_env = std::string(kRankVar) + "=" + std::to_string(rank);
    std::string dir_env = "NILM_TEST_TRAIN_DIR=" + dp_dir;
    std::vector<char*> env;
    for (char** e = environ; *e; ++e) env.push_back(*e);
    env.push_back(rank_env.data());
    env.push_back(dir_env.data());
    env.push_back(nullptr);
    std::string self = fs::read_symlink("/proc/self/exe").string();
    std::string filter = "--gtest_filter=Distributed.Worker";
    char* argv[] = {self.data(), filter.data(), nullptr};
    pid_t pid;
    ASSERT_EQ(posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, env.data()), 0);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a rank failed";
  }
  for (int rank = 0; rank < 2; ++rank) {
    std::ifstream in(dp_dir + ".rank" + std::to_string(rank));
    for (const auto& e : single.history) {
      double train_loss = -1, val_loss = -1;
      in >> train_loss >> val_loss;
      EXPECT_NEAR(train_loss, e.train_loss, 1e-5 * std::max(1.0, e.train_loss)) << "rank " << rank;
      EXPECT_NEAR(val_loss, e.val_loss, 1e-5 * std::max(1.0, e.val_loss)) << "rank " << rank;
    }
    fs::remove(dp_dir + ".rank" + std::to_string(rank));
  }
  // Only rank 0 writes checkpoints.
  EXPECT_TRUE(fs::exists(dp_dir + "/best.nilmckpt"));
  fs::remove(dp_dir + ".rendezvous");
  fs::remove_all(single_dir);
  fs::remove_all(dp_dir);
}

}  // namespace
}  // namespace nilm::train
