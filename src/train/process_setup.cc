// Process-wide settings that decide training speed on a CPU (measured in PEERS.md): threads,
// malloc behaviour, and which BLAS libblas.so.3 resolves to.
#include <dlfcn.h>
#include <malloc.h>

#include <ATen/Parallel.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "train/train.h"

namespace nilm::train {

BlasInfo loaded_blas() {
  BlasInfo info;
  // Whatever library the dynamic linker binds sgemm_ to is the BLAS LibTorch calls.
  void* sym = ::dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info dl{};
  if (!sym || !::dladdr(sym, &dl) || !dl.dli_fname) return info;
  std::error_code ec;
  auto real = std::filesystem::canonical(dl.dli_fname, ec);
  info.path = ec ? std::string(dl.dli_fname) : real.string();
  bool openblas = info.path.find("openblas") != std::string::npos;
  bool other_fast = info.path.find("mkl") != std::string::npos ||
                    info.path.find("blis") != std::string::npos ||
                    info.path.find("atlas") != std::string::npos;
  // Debian's netlib reference build lives in .../blas/libblas.so.3.
  info.reference = !openblas && !other_fast;
  info.openblas_pthread = info.path.find("openblas-pthread") != std::string::npos;
  return info;
}

int configure_process(int threads, bool quiet) {
  // Keep large tensors in the heap instead of mmap/munmap on every step, and do not hand
  // freed memory back to the kernel after each step (PEERS.md: ~310 -> ~470 samples/s).
  ::mallopt(M_MMAP_MAX, 0);
  ::mallopt(M_TRIM_THRESHOLD, INT_MAX);
  ::mallopt(M_TOP_PAD, 64 << 20);

  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);  // LibTorch's default here is 1; this also sets OpenMP's

  BlasInfo blas = loaded_blas();
  if (blas.reference) {
    std::fprintf(stderr,
                 "\n*** WARNING: libblas.so.3 is the slow reference BLAS (%s).\n"
                 "*** Training will be ~12x slower. Install the OpenMP build of OpenBLAS:\n"
                 "***   apt-get install libopenblas0-openmp   (scripts/deps.sh does this)\n\n",
                 blas.path.empty() ? "sgemm_ not found" : blas.path.c_str());
  } else if (blas.openblas_pthread) {
    std::fprintf(stderr,
                 "WARNING: libblas.so.3 is the pthread build of OpenBLAS (%s); its threads "
                 "fight LibTorch's OpenMP threads. Prefer libopenblas0-openmp.\n",
                 blas.path.c_str());
  } else if (!quiet) {
    std::fprintf(stderr, "train: %d thread(s), BLAS %s\n", threads, blas.path.c_str());
  }
  return threads;
}

}  // namespace nilm::train
