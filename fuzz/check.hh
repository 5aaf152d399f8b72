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
// Nothing printed: doctest reports the message (and a test that checks the
// hook itself leaves no alarming line in the log).
#define FUZZ_CHECK(cond)                                                                         \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      throw std::runtime_error(std::string(__FILE__) + ":" + std::to_string(__LINE__) +          \
                               ": invariant failed: " #cond);                                    \
  } while (0)
#else
#define FUZZ_CHECK(cond)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                      \
      std::abort();                                                             \
    }                                                                           \
  } while (0)
#endif
