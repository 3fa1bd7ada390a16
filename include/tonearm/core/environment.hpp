// The process environment as a map (name -> value), for configuration overrides and
// for starting child processes with a few variables changed.
#pragma once

#include <unistd.h>

#include <map>
#include <string>

namespace tonearm::core {

inline std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

}  // namespace tonearm::core
