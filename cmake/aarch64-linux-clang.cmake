# Cross-compiling for 64-bit ARM Linux devices with clang + lld against Debian's multiarch
# arm64 packages (libstdc++-12-dev:arm64, libgtest-dev:arm64 under /usr/lib/aarch64-linux-gnu;
# scripts/deps.sh installs them). Use with -DNILM_RUNTIME_ONLY=ON: only the runtime, the model
# format and their tests are built (scripts/cross_test.sh).
#
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-clang.cmake \
#         -DNILM_RUNTIME_ONLY=ON
#
# Programs are linked statically, so they run as they are on a device or under qemu-user with no
# arm64 library path; ctest runs them through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(NILM_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER clang)
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_C_COMPILER_TARGET ${NILM_CROSS_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${NILM_CROSS_TRIPLE})
# Debian's multiarch layout: the arm64 libraries live beside the host's, so the "sysroot" is /
# and CMake picks the aarch64-linux-gnu library directories (CMAKE_LIBRARY_ARCHITECTURE).
set(CMAKE_LIBRARY_ARCHITECTURE ${NILM_CROSS_TRIPLE})
# clang fuses a * b + c into one FMA by default on AArch64 (-ffp-contract=on); the x86-64 build
# (g++, baseline ISA without FMA) never does. Off here too, so plain C++ (reference kernels,
# the portable tier, tests' expected values) rounds the same on both; the NEON micro-kernels
# use FMA explicitly through intrinsics, which this flag does not touch.
set(CMAKE_CXX_FLAGS_INIT "-ffp-contract=off")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld")

find_program(NILM_QEMU_AARCH64 qemu-aarch64)
if(NILM_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${NILM_QEMU_AARCH64})
endif()
