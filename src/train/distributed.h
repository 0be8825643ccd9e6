// Data-parallel training across processes or hosts (train-private, LibTorch): a c10d Gloo
// process group and the few collectives the trainer needs. LibTorch's C++ API has no DDP, so
// the trainer all-reduces gradients itself through this.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "train/train.h"

namespace nilm::train {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual void all_reduce_sum(torch::Tensor& cpu_tensor) = 0;  // in place
  virtual void broadcast(torch::Tensor& cpu_tensor, int root) = 0;
  virtual void barrier() = 0;
};

// world_size 1: a no-op communicator. Otherwise rendezvous through a FileStore (when
// rendezvous_file is set) or a TCPStore served by rank 0 at master_addr:master_port.
std::unique_ptr<Communicator> make_communicator(const TrainOptions&);

}  // namespace nilm::train
