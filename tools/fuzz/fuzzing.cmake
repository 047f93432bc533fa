# Included from the top-level CMakeLists.txt before any target is defined:
# with -DCAPSA_FUZZ=ON (clang only) every capsa target is instrumented for
# libFuzzer coverage and built with ASan + UBSan, so a fuzzer sees the bugs
# inside the libraries it links, not only in its own main. Use a separate
# build directory (build-efuzz); see tools/fuzz/README.md.
option(CAPSA_FUZZ "Build the libFuzzer targets in tools/fuzz (clang only)" OFF)
if(CAPSA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CAPSA_FUZZ=ON needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  set(CAPSA_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=undefined)
  add_compile_options(${CAPSA_SANITIZERS} -fsanitize=fuzzer-no-link -fno-omit-frame-pointer)
  add_link_options(${CAPSA_SANITIZERS})
endif()
