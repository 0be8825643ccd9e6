# Warnings for our own targets only (third-party headers are included as SYSTEM by CMake).
function(nilm_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)  # GCC 12 false positives on std::string concatenation (GCC bug 105329)
endfunction()

# One library per folder: every .cc file in the folder, headers next to them, included as
# "folder/file.h" from src/.
function(nilm_library name folder)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${folder}/*.cc)
  if(NOT sources)  # a layer still being written: nothing to build yet
    return()
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  nilm_warnings(${name})
endfunction()
