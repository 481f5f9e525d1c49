#include "tensorrt/speed.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/faults.h"

namespace dofa_standin {
namespace {

std::map<std::string, double> Parse(std::string rest) {
  std::map<std::string, double> factors;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const size_t equals = item.find('=');
    if (equals == std::string::npos) continue;
    const double value = std::strtod(item.c_str() + equals + 1, nullptr);
    if (value > 0) factors[item.substr(0, equals)] = value;
  }
  return factors;
}

double Lookup(const std::map<std::string, double>& factors, const std::string& device) {
  const auto found = factors.find(device);
  return found != factors.end() ? found->second : 1.0;
}

}  // namespace

double SpeedFactor(const std::string& device) {
  static const std::map<std::string, double> fromVariable = Parse(Env("DYNAMIC_OFA_STANDIN_SPEED"));
  static const std::string file = Env("DYNAMIC_OFA_STANDIN_SPEED_FILE");
  if (!file.empty()) {
    std::ifstream in(file);
    std::stringstream text;
    if (in && text << in.rdbuf()) {
      std::string line = text.str();
      while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
      return Lookup(Parse(line), device);
    }
  }
  return Lookup(fromVariable, device);
}

}  // namespace dofa_standin
