// Command-line parsing shared by the subcommands.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "util/result.hh"

namespace mlidx::cli {

struct OptionSpec {
  std::set<std::string> with_value;  // e.g. "--db"
  std::set<std::string> flags;       // e.g. "--json"
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // the last value of each option
  std::vector<std::pair<std::string, std::string>> occurrences;  // every value, in order
  std::set<std::string> flags;

  bool has(const std::string& flag) const { return flags.count(flag) != 0; }
  std::string value(const std::string& opt, const std::string& dflt = {}) const;
  // Every value given to a repeatable option, in command-line order.
  std::vector<std::string> all(const std::string& opt) const;
  // --db, else $MLIDX_DB, else ./mlidx.db (SPEC.md)
  std::string db() const;
};

// "--opt value" and "--opt=value"; "--" ends options; "-" is positional.
Result<Args> parse_args(const std::vector<std::string>& argv, const OptionSpec& spec);

// "mlidx: <what>: <why>" on stderr; returns the exit code to use.
int report(const Error& e, int code = 1);

// Exit codes (documented in README): 0 ok, 1 failure (bad input, database
// error), 2 bad command line, 130 stopped by Ctrl-C (the shell's 128+SIGINT).
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

}  // namespace mlidx::cli
