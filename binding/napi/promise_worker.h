// Async workers that settle a Promise with the stable error `code` of whatever their native work threw
// (N-API's AsyncWorker keeps only a message), and what a dofa::Error names besides (core/errors.h).
#pragma once

#include <napi.h>

#include <optional>
#include <string>
#include <utility>

#include "napi/js_errors.h"

namespace dofa {

// The promise of one async worker, and the code of the error its work threw.
class WorkerPromise {
 public:
  explicit WorkerPromise(Napi::Env env) : deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

  // Worker thread: runs `work`; false when it threw, with the message for the worker's SetError().
  template <typename Work>
  bool Run(Work&& work, std::string* message) {
    return CaptureErrors(
        [&] {
          try {
            work();
          } catch (const Error& error) {
            error_ = error;
            throw;
          }
        },
        &code_, message);
  }
  // JS thread.
  void Resolve(Napi::Value value) { deferred_.Resolve(value); }
  void Reject(Napi::Env env, const Napi::Error& error) {
    Napi::HandleScope scope(env);
    Napi::Error rejection = error_ ? MakeJsError(env, *error_) : MakeJsError(env, code_, error.Message());
    deferred_.Reject(rejection.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string code_ = codes::kInternal;
  std::optional<Error> error_;  // what the work threw, when it was a dofa::Error
};

// A worker whose work gives one value.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env) : Napi::AsyncWorker(env), promise_(env) {}
  Napi::Promise Promise() const { return promise_.Promise(); }

 protected:
  virtual void DoWork() = 0;                      // worker thread: no N-API calls
  virtual Napi::Value Result(Napi::Env env) = 0;  // JS thread, after success

  void Execute() override {
    std::string message;
    if (!promise_.Run([this] { DoWork(); }, &message)) SetError(message);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    try {
      promise_.Resolve(Result(env));
    } catch (const Napi::Error& error) {
      promise_.Reject(env, error);
    }
  }

  void OnError(const Napi::Error& error) override { promise_.Reject(Env(), error); }

 private:
  WorkerPromise promise_;
};

}  // namespace dofa
