// The training loop: Adam, early stopping on the validation loss, best/last checkpoints,
// resume, fine-tuning, and data-parallel steps (the global batch split across ranks, gradients
// summed with one all-reduce per step).
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "core/error.h"
#include "core/progress.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/loss.h"
#include "train/models.h"
#include "train/train.h"
#include "train/training_report.h"

namespace nilm::train {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Paths {
  std::string best, last, state, log;
  explicit Paths(const std::string& dir)
      : best(dir + "/best.nilmckpt"),
        last(dir + "/last.nilmckpt"),
        state(dir + "/last.state.pt"),
        log(dir + "/train_log.jsonl") {}
};

EpochRecord epoch_from_json(const json& j) {
  EpochRecord r;
  r.epoch = j.at("epoch").get<int>();
  r.step = j.at("step").get<std::uint64_t>();
  r.train_loss = j.at("train_loss").get<double>();
  r.val_loss = j.at("val_loss").get<double>();
  r.val_mae_w = j.at("val_mae_w").get<double>();
  r.samples_per_s = j.at("samples_per_s").get<double>();
  r.seconds = j.at("seconds").get<double>();
  r.improved = j.at("improved").get<bool>();
  return r;
}

// Where training stands; saved in last.nilmckpt's meta so --resume continues exactly.
struct State {
  int epoch = 0;  // epochs completed
  std::uint64_t step = 0;
  double best_score = INFINITY;  // lowest validation loss or MAE so far (TrainOptions::best_by)
  int best_epoch = 0;
  int since_best = 0;
  std::vector<EpochRecord> history;
};

json to_json(const State& s) {
  json h = json::array();
  for (const auto& r : s.history) h.push_back(to_json(r));
  return {{"epoch", s.epoch},
          {"step", s.step},
          {"best_score", std::isfinite(s.best_score) ? json(s.best_score) : json(nullptr)},
          {"best_epoch", s.best_epoch},
          {"epochs_since_best", s.since_best},
          {"history", h}};
}

State state_from_json(const json& j, const std::string& where) {
  State s;
  try {
    s.epoch = j.at("epoch").get<int>();
    s.step = j.at("step").get<std::uint64_t>();
    // "best_val_loss": states written before --best-by existed (always by loss).
    const json& best = j.contains("best_score") ? j.at("best_score") : j.at("best_val_loss");
    s.best_score = best.is_null() ? INFINITY : best.get<double>();
    s.best_epoch = j.at("best_epoch").get<int>();
    s.since_best = j.at("epochs_since_best").get<int>();
    for (const auto& r : j.at("history")) s.history.push_back(epoch_from_json(r));
  } catch (const json::exception& e) {
    fail(where + ": training state: " + e.what());
  }
  return s;
}

json options_json(const TrainOptions& o) {
  return {{"epochs", o.epochs},          {"patience", o.patience},
          {"batch", o.batch},            {"lr", o.lr},
          {"beta1", o.beta1},            {"beta2", o.beta2},
          {"eps", o.eps},                {"status_temperature", o.status_temperature},
          {"seed", o.seed},              {"world_size", o.world_size},
          {"best_by", o.best_by == TrainOptions::BestBy::mae ? "mae" : "loss"},
          {"finetune_from", o.finetune_from}, {"freeze_conv", o.freeze_conv}};
}

void save_state_file(const std::string& path, torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  auto gen = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("cpu_rng", gen.get_state());
  }
  archive.save_to(path + ".tmp");
  fs::rename(path + ".tmp", path);
}

void load_state_file(const std::string& path, torch::optim::Optimizer& optimizer) {
  if (!fs::exists(path)) fail(path + ": missing (needed by --resume for the optimizer state)");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    optimizer.load(archive);
    torch::Tensor rng;
    archive.read("cpu_rng", rng);
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  } catch (const c10::Error& e) {
    fail(path + ": cannot read the optimizer state: " + e.what_without_backtrace());
  }
}

// Copies every trainable gradient into one flat buffer (plus the rank's loss), sums it across
// ranks, and copies it back: one all-reduce per step.
double all_reduce_gradients(Communicator& comm, const std::vector<torch::Tensor>& params,
                            double local_loss) {
  std::int64_t total = 1;
  for (const auto& p : params) total += p.numel();
  auto flat = torch::empty({total}, torch::kFloat32);
  std::int64_t at = 0;
  for (const auto& p : params) {
    auto view = flat.narrow(0, at, p.numel());
    if (p.grad().defined())
      view.copy_(p.grad().reshape({-1}));
    else
      view.zero_();
    at += p.numel();
  }
  flat[at] = static_cast<float>(local_loss);
  comm.all_reduce_sum(flat);
  at = 0;
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    auto summed = flat.narrow(0, at, p.numel()).view(p.sizes()).to(p.device());
    if (p.grad().defined())
      p.mutable_grad().copy_(summed);
    else
      p.mutable_grad() = summed.clone();
    at += p.numel();
  }
  return flat[at].item<double>();
}

struct Slice {
  std::size_t lo, hi;
};
Slice rank_slice(std::size_t n, int rank, int world) {
  return {n * rank / world, n * (rank + 1) / world};
}

struct ValidationResult {
  double loss = 0, mae_w = 0;
};

ValidationResult validate(Seq2PointNet& model, BatchSource& source, std::size_t batch, int window,
                          const LossConfig& cfg, float max_power_w, Communicator& comm,
                          const torch::Device& device) {
  torch::NoGradGuard no_grad;
  model.eval();
  std::vector<float> in(batch * window), tg(batch), st(batch);
  double sq = 0, bce = 0, l1 = 0, on_or_wrong = 0, count = 0, abs_w = 0;
  source.start_epoch(0);  // the same validation windows every epoch
  for (;;) {
    std::size_t n = source.fill_batch(batch, in.data(), tg.data(), st.data());
    if (n == 0) break;
    count += static_cast<double>(n);
    auto s = rank_slice(n, comm.rank(), comm.world_size());
    if (s.hi == s.lo) continue;
    auto rows = static_cast<std::int64_t>(s.hi - s.lo);
    auto x = torch::from_blob(in.data() + s.lo * window, {rows, window}).to(device);
    auto t = torch::from_blob(tg.data() + s.lo, {rows}).to(device);
    auto y = torch::from_blob(st.data() + s.lo, {rows}).to(device);
    auto pred = model.forward(x);
    auto sums = loss_sums(pred, t, y, cfg);
    sq += sums.squared.item<double>();
    bce += sums.bce.item<double>();
    l1 += sums.l1_on.item<double>();
    on_or_wrong += static_cast<double>(sums.on_or_wrong);
    abs_w += (pred.clamp_min(0) - t).abs().sum().item<double>() * max_power_w;
  }
  auto totals = torch::tensor({sq, bce, l1, on_or_wrong, abs_w}, torch::kFloat64);
  comm.all_reduce_sum(totals);
  auto v = totals.accessor<double, 1>();
  if (count == 0) fail("the validation set has no windows");
  ValidationResult r;
  r.loss = (v[0] + v[1]) / count + (v[3] > 0 ? cfg.lambda * v[2] / v[3] : 0.0);
  r.mae_w = v[4] / count;
  return r;
}

}  // namespace

std::int64_t count_parameters(const ModelSpec& spec) {
  auto net = build_model(spec);
  return parameter_count(*net);
}

TrainResult train(const TrainOptions& opt, TrainData& data) {
  if (!data.train || !data.validation) fail("training needs both a training and a validation set");
  if (opt.batch == 0) fail("--batch must be positive");
  if (opt.out_dir.empty()) fail("no output directory given");
  auto comm = make_communicator(opt);
  const bool leader = comm->rank() == 0;
  const bool talk = leader && !opt.quiet;
  configure_process(opt.threads, !talk);

  const torch::Device device = torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  TrainResult result;
  result.device = device.is_cuda() ? "cuda" : "cpu";
  if (talk) fmt::print(stderr, "train: device {}\n", result.device);

  Paths paths(opt.out_dir);
  if (leader) fs::create_directories(opt.out_dir);
  result.best_path = paths.best;
  result.last_path = paths.last;

  // The model: fresh, fine-tuned from a checkpoint, or resumed from last.nilmckpt.
  torch::manual_seed(opt.seed);
  CheckpointMeta meta = data.meta;
  meta.model = opt.model;
  State state;
  std::shared_ptr<Seq2PointNet> model;
  std::optional<CheckpointFile> resumed;
  if (opt.resume) {
    if (!fs::exists(paths.last)) fail(paths.last + ": no checkpoint to resume from");
    resumed = read_checkpoint_file(paths.last);
    CheckpointMeta saved = checkpoint_meta_from_json(resumed->meta, paths.last);
    meta.model = saved.model;
    meta.training = saved.training;
    if (!saved.training.contains("state")) fail(paths.last + ": no training state to resume");
    state = state_from_json(saved.training["state"], paths.last);
    // best.nilmckpt on disk was chosen by the saved criterion; switching would mix the two.
    const std::string saved_by = saved.training.contains("options")
                                     ? saved.training["options"].value("best_by", std::string("loss"))
                                     : std::string("loss");
    const std::string now_by = opt.best_by == TrainOptions::BestBy::mae ? "mae" : "loss";
    if (saved_by != now_by)
      fail(fmt::format("{}: this run chose its best epoch by validation {}; resume it with --best-by {}",
                       paths.last, saved_by, saved_by));
    model = build_model(meta.model);
    load_weights(*model, *resumed, paths.last);
  } else if (!opt.finetune_from.empty()) {
    LoadedModel base = load_model(opt.finetune_from);
    meta.model = base.meta.model;
    model = base.net;
  } else {
    model = build_model(meta.model);
  }
  if (data.meta.model.window != meta.model.window)
    fail(fmt::format("the data has windows of {} samples but the model takes {}",
                     data.meta.model.window, meta.model.window));
  model->to(device);
  const int window = meta.model.window;

  if (opt.freeze_conv)
    for (auto& p : model->front_end_parameters()) p.set_requires_grad(false);
  std::vector<torch::Tensor> trainable;
  for (auto& p : model->parameters())
    if (p.requires_grad()) trainable.push_back(p);
  result.parameters = parameter_count(*model);

  // Every rank starts from rank 0's weights (they agree anyway: same seed).
  if (comm->world_size() > 1) {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) {
      auto cpu = p.detach().to(torch::kCPU).contiguous();
      comm->broadcast(cpu, 0);
      p.copy_(cpu);
    }
  }

  torch::optim::Adam optimizer(
      trainable, torch::optim::AdamOptions(opt.lr).betas({opt.beta1, opt.beta2}).eps(opt.eps));
  if (opt.resume) {
    load_state_file(paths.state, optimizer);
    // The archive's moments come back on the CPU; Adam needs them where the parameters are.
    if (!device.is_cpu())
      for (auto& entry : optimizer.state()) {
        auto& st = static_cast<torch::optim::AdamParamState&>(*entry.second);
        st.exp_avg(st.exp_avg().to(device));
        st.exp_avg_sq(st.exp_avg_sq().to(device));
        if (st.max_exp_avg_sq().defined()) st.max_exp_avg_sq(st.max_exp_avg_sq().to(device));
      }
  }

  json training = {{"options", options_json(opt)}, {"parameters", result.parameters},
                   {"trainable_parameters", [&] {
                      std::int64_t n = 0;
                      for (auto& p : trainable) n += p.numel();
                      return n;
                    }()}};
  if (talk)
    fmt::print(stderr, "train: {} model, window {}, {} parameters ({} trainable), {} rank(s)\n",
               meta.model.arch, window, result.parameters, training["trainable_parameters"].get<std::int64_t>(),
               comm->world_size());

  LossConfig cfg;
  cfg.threshold = meta.appliance.on_threshold_w / meta.appliance.max_power_w;
  cfg.lambda = meta.appliance.loss_weight;
  cfg.temperature = opt.status_temperature;

  auto save = [&](const std::string& path, bool with_state) {
    CheckpointMeta m = meta;
    m.training = training;
    m.training["state"] = to_json(state);
    write_checkpoint_file(path, make_checkpoint(*model, m));
    if (with_state) save_state_file(paths.state, optimizer);
  };

  const std::size_t batch = opt.batch;
  std::vector<float> in(batch * window), tg(batch), st(batch);
  bool stop = state.since_best >= opt.patience && state.epoch > 0;
  while (!stop && state.epoch < opt.epochs) {
    const int epoch = state.epoch + 1;
    auto t0 = std::chrono::steady_clock::now();
    std::optional<Progress> progress;
    if (talk) progress.emplace(fmt::format("epoch {}/{}", epoch, opt.epochs), data.train->size(), "windows");
    model->train();
    data.train->start_epoch(static_cast<std::uint64_t>(epoch - 1));
    double loss_total = 0;
    std::size_t steps = 0, seen = 0;
    for (;;) {
      std::size_t n = data.train->fill_batch(batch, in.data(), tg.data(), st.data());
      if (n == 0) break;
      auto s = rank_slice(n, comm->rank(), comm->world_size());
      auto rows = static_cast<std::int64_t>(s.hi - s.lo);
      optimizer.zero_grad();
      double local_loss = 0;
      LossSums sums;
      torch::Tensor loss;
      if (rows > 0) {
        auto x = torch::from_blob(in.data() + s.lo * window, {rows, window}).to(device);
        auto t = torch::from_blob(tg.data() + s.lo, {rows}).to(device);
        auto y = torch::from_blob(st.data() + s.lo, {rows}).to(device);
        sums = loss_sums(model->forward(x), t, y, cfg);
      }
      // |O| is a global count: every rank's L1 term divides by the same denominator.
      double on_or_wrong = static_cast<double>(sums.on_or_wrong);
      if (comm->world_size() > 1) {
        auto c = torch::tensor({on_or_wrong}, torch::kFloat64);
        comm->all_reduce_sum(c);
        on_or_wrong = c.item<double>();
      }
      if (rows > 0) {
        loss = combine_loss(sums, static_cast<double>(n), on_or_wrong, cfg);
        loss.backward();
        local_loss = loss.item<double>();
      }
      double batch_loss = comm->world_size() > 1 ? all_reduce_gradients(*comm, trainable, local_loss)
                                                 : local_loss;
      if (!std::isfinite(batch_loss))
        fail(fmt::format("the loss became {} at epoch {} step {} (try a lower --lr)", batch_loss,
                         epoch, state.step + 1));
      optimizer.step();
      ++state.step;
      ++steps;
      seen += n;
      loss_total += batch_loss;
      if (progress)
        progress->update(seen, fmt::format("step {}, loss {:.5f}", state.step, loss_total / steps));
    }
    if (steps == 0) fail("the training set has no windows");
    double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (progress) progress->finish(fmt::format("step {}, loss {:.5f}", state.step, loss_total / steps));

    auto val = validate(*model, *data.validation, batch, window, cfg, meta.appliance.max_power_w,
                        *comm, device);
    EpochRecord rec;
    rec.epoch = epoch;
    rec.step = state.step;
    rec.train_loss = loss_total / steps;
    rec.val_loss = val.loss;
    rec.val_mae_w = val.mae_w;
    rec.samples_per_s = seen / std::max(train_seconds, 1e-9);
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double score = opt.best_by == TrainOptions::BestBy::mae ? val.mae_w : val.loss;
    rec.improved = score < state.best_score;
    state.epoch = epoch;
    state.history.push_back(rec);
    if (rec.improved) {
      state.best_score = score;
      state.best_epoch = epoch;
      state.since_best = 0;
    } else {
      ++state.since_best;
    }
    if (leader) {
      if (rec.improved) save(paths.best, false);
      save(paths.last, true);
      write_training_report(opt.out_dir, state.history);
    }
    if (talk)
      fmt::print(stderr,
                 "epoch {}/{}: train loss {:.5f}, val loss {:.5f}, val MAE {:.2f} W, {:.0f} windows/s, "
                 "{:.1f} s{}\n",
                 epoch, opt.epochs, rec.train_loss, rec.val_loss, rec.val_mae_w, rec.samples_per_s,
                 rec.seconds, rec.improved ? ", best so far (saved)" : "");
    if (state.since_best >= opt.patience) {
      stop = true;
      result.stopped_early = true;
      if (talk)
        fmt::print(stderr, "early stop: no better validation {} for {} epochs; best epoch {}\n",
                   opt.best_by == TrainOptions::BestBy::mae ? "MAE" : "loss", opt.patience, state.best_epoch);
    }
  }
  comm->barrier();
  result.history = state.history;
  result.best_epoch = state.best_epoch;
  if (state.best_epoch > 0) result.best_val_loss = state.history.at(state.best_epoch - 1).val_loss;
  if (state.since_best >= opt.patience) result.stopped_early = true;
  return result;
}

}  // namespace nilm::train
