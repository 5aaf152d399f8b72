// Invariant checks for the fuzz targets: independent of NDEBUG, and they
// abort so libFuzzer saves the input as a crash artifact. The test runner
// also links the targets (tests/test_fuzz_targets.cc, built with
// MLIDX_FUZZ_REPLAY) to run them over real mail: there a failed check
// throws, so that doctest reports the input instead of the runner dying.
#pragma once
#include <cstdio>
#include <cstdlib>
#ifdef MLIDX_FUZZ_REPLAY
#include <stdexcept>
#include <string>
#define MLIDX_FUZZ_FAIL(what) throw std::runtime_error(what)
#else
#define MLIDX_FUZZ_FAIL(what) std::abort()
#endif

#define FUZZ_CHECK(cond)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                      \
      MLIDX_FUZZ_FAIL(std::string(__FILE__) + ": invariant failed: " #cond);    \
    }                                                                           \
  } while (0)
