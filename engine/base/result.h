// Vocabulary types shared by every component: Result<T> and the one TRY macro.
// This header depends on nothing but the standard library; it lives under engine/
// only because the top-level layout is fixed (see DESIGN.md). It is exposed as the
// header-only CMake target capsa_base, which every component may use.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace capsa {

enum class ErrorCode {
  kMalformed,    // bytes that do not parse (module binary, wire message, TOML)
  kInvalid,      // parses but breaks a rule (validation, policy consistency)
  kUnlinkable,   // imports that cannot be satisfied
  kUnsupported,  // a feature capsa does not implement
  kIo,           // an operating-system call failed
  kProtocol,     // a broker/worker protocol violation
  kPolicy,       // a grant or option that is refused
  kLimit,        // a configured limit would be exceeded
  kInternal,     // a bug in capsa
};

const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;
};

// A value or an Error. Never throws; check with ok() or TRY.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }
  Error&& take_error() { return std::move(error_); }

 private:
  Error error_{ErrorCode::kInternal, {}};
  bool ok_ = true;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

inline const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kInvalid: return "invalid";
    case ErrorCode::kUnlinkable: return "unlinkable";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kProtocol: return "protocol";
    case ErrorCode::kPolicy: return "policy";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace capsa

#define CAPSA_CONCAT_INNER(a, b) a##b
#define CAPSA_CONCAT(a, b) CAPSA_CONCAT_INNER(a, b)

// TRY(expr): evaluates a Result; on error returns the error from the enclosing
// function. TRY_ASSIGN(lhs, expr): the same, binding the value to lhs.
#define TRY(expr)                                \
  do {                                           \
    auto capsa_try_r_ = (expr);                  \
    if (!capsa_try_r_.ok())                      \
      return capsa_try_r_.take_error();          \
  } while (0)

#define TRY_ASSIGN(lhs, expr) TRY_ASSIGN_IMPL(CAPSA_CONCAT(capsa_try_, __LINE__), lhs, expr)
#define TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                    \
  if (!tmp.ok())                        \
    return tmp.take_error();            \
  lhs = std::move(tmp).value()
