// The parity tool (bench/parity.py) over Patchwork's test mails and the 10k
// corpus: every figure at least 99 % once the documented deviation rules
// are applied (SPEC.md). The tool prints the figures; --min makes it fail.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include "support.hh"

using namespace mlidx::test;

namespace {
Run parity(const std::string& mode) {
  fs::path tool = fs::path(MLIDX_SOURCE_DIR) / "bench" / "parity.py";
  TempDir t;
  std::string cmd = "python3 '" + tool.string() + "' " + mode + " --mlidx '" MLIDX_BIN "' --shared '" +
                    shared_dir().string() + "' --min 99 >'" + (t / "out").string() + "' 2>&1";
  int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(t / "out");
  return r;
}
}  // namespace

TEST_CASE("parity: Patchwork's test mails, each figure >= 99 %" * doctest::skip(skip_without_shared())) {
  Run r = parity("testdata");
  MESSAGE(r.out.substr(r.out.find("figure ") == std::string::npos ? 0 : r.out.find("figure ")));
  CHECK(r.code == 0);
  CHECK(r.out.find("overall") != std::string::npos);
}

TEST_CASE("parity: the 10k corpus, each figure >= 99 %" * doctest::skip(skip_without_shared())) {
  Run r = parity("corpus");
  MESSAGE(r.out.substr(r.out.find("figure ") == std::string::npos ? 0 : r.out.find("figure ")));
  CHECK(r.code == 0);
  CHECK(r.out.find("series.membership") != std::string::npos);
}
