// Errors as values at layer boundaries (mu's Result<T>): a failure carries
// what failed and why, and the CLI prints it as "mlidx: <what>: <why>".
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace mlidx {

struct Error {
  std::string what;
  std::string why;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}

  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string what, std::string why) {
  return Error{std::move(what), std::move(why)};
}

}  // namespace mlidx
