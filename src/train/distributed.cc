// c10d's Gloo process group is compiled into Debian's LibTorch; its header is guarded by this.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include "train/distributed.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "core/error.h"

namespace nilm::train {

namespace {

class Local final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  void all_reduce_sum(torch::Tensor&) override {}
  void broadcast(torch::Tensor&, int) override {}
  void barrier() override {}
};

class Gloo final : public Communicator {
 public:
  Gloo(const TrainOptions& o) : rank_(o.rank), world_(o.world_size) {
    c10::intrusive_ptr<c10d::Store> store;
    if (!o.rendezvous_file.empty()) {
      store = c10::make_intrusive<c10d::FileStore>(o.rendezvous_file, o.world_size);
    } else {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(o.master_port);
      so.isServer = o.rank == 0;
      so.numWorkers = o.world_size;
      so.waitWorkers = true;
      so.timeout = std::chrono::minutes(5);
      store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
    }
    auto options = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(30));
    bool loopback = o.master_addr == "127.0.0.1" || o.master_addr == "localhost";
    // Loopback for single-host runs (tests); otherwise the address this host's name resolves to.
    options->devices.push_back(loopback ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                        : c10d::ProcessGroupGloo::createDefaultDevice());
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, o.rank, o.world_size, options);
  }
  int rank() const override { return rank_; }
  int world_size() const override { return world_; }
  void all_reduce_sum(torch::Tensor& t) override {
    std::vector<at::Tensor> v{t};
    group_->allreduce(v)->wait();
  }
  void broadcast(torch::Tensor& t, int root) override {
    std::vector<at::Tensor> v{t};
    c10d::BroadcastOptions bo;
    bo.rootRank = root;
    group_->broadcast(v, bo)->wait();
  }
  void barrier() override { group_->barrier()->wait(); }

 private:
  int rank_, world_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

std::unique_ptr<Communicator> make_communicator(const TrainOptions& o) {
  if (o.world_size < 1) fail("--world-size must be at least 1");
  if (o.rank < 0 || o.rank >= o.world_size)
    fail("--rank " + std::to_string(o.rank) + " is outside 0.." + std::to_string(o.world_size - 1));
  if (o.world_size == 1) return std::make_unique<Local>();
  try {
    return std::make_unique<Gloo>(o);
  } catch (const c10::Error& e) {
    fail("data-parallel rendezvous failed (rank " + std::to_string(o.rank) + " of " +
         std::to_string(o.world_size) + ", " +
         (o.rendezvous_file.empty() ? o.master_addr + ":" + std::to_string(o.master_port)
                                    : o.rendezvous_file) +
         "): " + e.what_without_backtrace());
  }
}

}  // namespace nilm::train
