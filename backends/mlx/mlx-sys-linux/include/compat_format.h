// Force-included (-include) into every mlx-c translation unit. mlx-c's private/io.h calls
// std::format, which gcc 12's libstdc++ lacks (it arrived in gcc 13). This supplies the one
// form mlx-c uses: "{}" placeholders filled with operator<< in order.
#pragma once
#ifdef __cplusplus
#include <version>
#if !defined(__cpp_lib_format)
#include <sstream>
#include <string>
#include <string_view>
namespace std {
namespace tensorswitch_compat {
inline void format_rest(std::ostringstream& out, std::string_view fmt) {
  out << fmt;
}
template <class T, class... Rest>
void format_rest(std::ostringstream& out, std::string_view fmt, const T& first,
                 const Rest&... rest) {
  auto at = fmt.find("{}");
  if (at == std::string_view::npos) {
    out << fmt;
    return;
  }
  out << fmt.substr(0, at) << first;
  format_rest(out, fmt.substr(at + 2), rest...);
}
}  // namespace tensorswitch_compat
template <class... Args>
std::string format(std::string_view fmt, const Args&... args) {
  std::ostringstream out;
  tensorswitch_compat::format_rest(out, fmt, args...);
  return out.str();
}
}  // namespace std
#endif
#endif
