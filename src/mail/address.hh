// RFC 5322 address lists (From, To, Cc) split into display name and address.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "mail/problems.hh"

namespace mlidx {

struct Address {
  std::string name;   // decoded (RFC 2047), unquoted, UTF-8; may be empty
  std::string email;  // addr-spec as written, trimmed; may be empty if absent
};

// Parses an unfolded raw value. Lenient: groups, comments, unquoted commas in
// names, missing angle brackets, "user at host" obfuscation are handled as
// real mail has them. Never throws.
std::vector<Address> parse_address_list(std::string_view value, Problems& problems);

}  // namespace mlidx
