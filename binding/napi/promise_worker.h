// An AsyncWorker that settles a Promise and keeps the stable error `code` of whatever Execute threw.
#pragma once

#include <napi.h>

#include <string>

#include "napi/js_errors.h"

namespace dofa {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  virtual void DoWork() = 0;                    // worker thread: no N-API calls
  virtual Napi::Value Result(Napi::Env env) = 0;  // JS thread, after success
  virtual void Settled() {}                     // JS thread, after success or failure

  void Execute() override {
    std::string message;
    if (!CaptureErrors([this] { DoWork(); }, &code_, &message)) SetError(message);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      Napi::Value value = Result(env);
      Settled();
      deferred_.Resolve(value);
    } catch (const Napi::Error& error) {
      Settled();
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Settled();
    deferred_.Reject(MakeJsError(env, code_, error.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string code_ = codes::kInternal;
};

}  // namespace dofa
