#include "caps/blob.h"

#include <cstdint>
#include <cstring>

namespace capsa::caps {
namespace {

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

bool TakeU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  std::memcpy(v, in->data(), 4);
  in->remove_prefix(4);
  return true;
}

bool TakeStrings(std::string_view* in, uint32_t count, std::vector<std::string>* out) {
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0;
    if (!TakeU32(in, &len) || len > in->size()) return false;
    out->emplace_back(in->substr(0, len));
    in->remove_prefix(len);
  }
  return true;
}

}  // namespace

std::string EncodeHello(const std::vector<std::string>& args,
                        const std::vector<std::string>& env) {
  std::string out;
  PutU32(&out, static_cast<uint32_t>(args.size()));
  PutU32(&out, static_cast<uint32_t>(env.size()));
  for (const auto* list : {&args, &env}) {
    for (const std::string& s : *list) {
      PutU32(&out, static_cast<uint32_t>(s.size()));
      out += s;
    }
  }
  return out;
}

Result<HelloData> DecodeHello(std::string_view blob) {
  uint32_t argc = 0, envc = 0;
  if (!TakeU32(&blob, &argc) || !TakeU32(&blob, &envc)) {
    return MakeError(ErrorCode::kProtocol, "hello blob shorter than its counts");
  }
  // Each string costs at least its 4-byte length: bounds the reservation.
  if (argc > blob.size() / 4 || envc > blob.size() / 4) {
    return MakeError(ErrorCode::kProtocol, "hello blob counts exceed its size");
  }
  HelloData data;
  data.args.reserve(argc);
  data.env.reserve(envc);
  if (!TakeStrings(&blob, argc, &data.args) || !TakeStrings(&blob, envc, &data.env) ||
      !blob.empty()) {
    return MakeError(ErrorCode::kProtocol, "hello blob strings do not match its size");
  }
  return data;
}

}  // namespace capsa::caps
