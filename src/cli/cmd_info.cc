// `nilm info`: what this build is and what the machine offers, for bug reports and benchmarks.
#include <cstdio>
#include <thread>

#include "cli/commands.h"

namespace nilm::cli {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Print the version, build configuration and CPU features");
  cmd->callback([] {
    std::printf("nilm 0.1.0\n");
    std::printf("compiler: %s\n", __VERSION__);
    std::printf("hardware threads: %u\n", std::thread::hardware_concurrency());
#if defined(__x86_64__)
    __builtin_cpu_init();
    std::printf("cpu: x86-64 avx2=%d fma=%d f16c=%d avx512f=%d avx512vnni=%d\n",
                !!__builtin_cpu_supports("avx2"), !!__builtin_cpu_supports("fma"),
                !!__builtin_cpu_supports("f16c"), !!__builtin_cpu_supports("avx512f"),
                !!__builtin_cpu_supports("avx512vnni"));
#elif defined(__aarch64__)
    std::printf("cpu: aarch64\n");
#endif
  });
}

}  // namespace nilm::cli
