#include "cli/options.hh"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

namespace mlidx::cli {

std::string Args::value(const std::string& opt, const std::string& dflt) const {
  auto it = values.find(opt);
  return it == values.end() ? dflt : it->second;
}

std::vector<std::string> Args::all(const std::string& opt) const {
  std::vector<std::string> out;
  for (const auto& [name, value] : occurrences)
    if (name == opt) out.push_back(value);
  return out;
}

std::string Args::db() const {
  if (auto it = values.find("--db"); it != values.end()) return it->second;
  if (const char* env = std::getenv("MLIDX_DB"); env && *env) return env;
  return "mlidx.db";
}

Result<Args> parse_args(const std::vector<std::string>& argv, const OptionSpec& spec) {
  Args a;
  bool options_done = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (options_done || s == "-" || !s.starts_with("-")) {
      a.positional.push_back(s);
      continue;
    }
    if (s == "--") {
      options_done = true;
      continue;
    }
    std::string name = s, value;
    bool inline_value = false;
    if (auto eq = s.find('='); eq != std::string::npos && s.starts_with("--")) {
      name = s.substr(0, eq);
      value = s.substr(eq + 1);
      inline_value = true;
    }
    if (spec.flags.count(name) && !inline_value) {
      a.flags.insert(name);
    } else if (spec.with_value.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) return make_error(name, "needs a value");
        value = argv[++i];
      }
      a.values[name] = value;
      a.occurrences.emplace_back(name, value);
    } else {
      return make_error(s, "unknown option (see 'mlidx --help')");
    }
  }
  return a;
}

int report(const Error& e, int code) {
  if (e.what.empty()) fmt::print(stderr, "mlidx: {}\n", e.why);
  else fmt::print(stderr, "mlidx: {}: {}\n", e.what, e.why);
  return code;
}

}  // namespace mlidx::cli
