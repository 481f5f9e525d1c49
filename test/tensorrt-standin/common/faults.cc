#include "common/faults.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace dofa_standin {
namespace {

struct Rule {
  std::string name;
  uint64_t at = 0;
  char mode = 0;  // 0 once, '+' from then on, '!' device lost
};

std::vector<Rule> ParseRules() {
  std::vector<Rule> rules;
  std::string rest = Env("DYNAMIC_OFA_STANDIN_FAULTS");
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string item = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    const size_t at = item.find('@');
    if (item.empty() || at == std::string::npos || at == 0) continue;
    Rule rule;
    rule.name = item.substr(0, at);
    std::string count = item.substr(at + 1);
    if (!count.empty() && (count.back() == '+' || count.back() == '!')) {
      rule.mode = count.back();
      count.pop_back();
    }
    rule.at = std::strtoull(count.c_str(), nullptr, 10);
    if (rule.at == 0) {
      std::fprintf(stderr, "stand-in: ignoring fault rule '%s' (expected NAME@N, NAME@N+ or NAME@N!)\n", item.c_str());
      continue;
    }
    rules.push_back(rule);
  }
  return rules;
}

struct State {
  std::mutex mutex;
  std::vector<Rule> rules = ParseRules();
  std::map<std::string, uint64_t> calls;
  std::atomic<bool> lost{false};
  std::atomic<uint64_t> injected{0};
};

State& Faults() {
  static State* state = new State();  // never destroyed: stream threads may still call in at exit
  return *state;
}

}  // namespace

bool ShouldFail(const char* entryPoint) {
  State& state = Faults();
  if (state.lost.load()) {
    ++state.injected;
    return true;
  }
  if (state.rules.empty()) return false;
  std::lock_guard<std::mutex> lock(state.mutex);
  const uint64_t call = ++state.calls[entryPoint];
  for (const Rule& rule : state.rules) {
    if (rule.name != entryPoint) continue;
    const bool fires = rule.mode == 0 ? call == rule.at : call >= rule.at;
    if (!fires) continue;
    if (rule.mode == '!') state.lost = true;
    ++state.injected;
    // The suite counts these lines to know that a rule fired (and did not just name a call never made).
    std::fprintf(stderr, "stand-in: injected fault %s call %llu%s\n", entryPoint, static_cast<unsigned long long>(call),
                 rule.mode == '!' ? " (device lost)" : "");
    return true;
  }
  return false;
}

bool DeviceLost() { return Faults().lost.load(); }

uint64_t FaultsInjected() { return Faults().injected.load(); }

std::string Env(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

void Unimplemented(const char* what) {
  std::fprintf(stderr, "stand-in: %s is not implemented by the stand-in TensorRT/CUDA runtime\n", what);
  std::fflush(stderr);
  std::abort();
}

}  // namespace dofa_standin
