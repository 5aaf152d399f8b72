// The --help texts, in one place (docs/mlidx.1 says the same at length).
#pragma once
#include <optional>
#include <string_view>

namespace mlidx::cli {

std::string_view overview_help();
// The usage of one command; nullopt for an unknown one.
std::optional<std::string_view> command_help(std::string_view command);

}  // namespace mlidx::cli
