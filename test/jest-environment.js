// Jest runs tests in a separate V8 context whose typed-array constructors differ from the host's, and
// onnxruntime-node's JS API (the tests' reference) checks `instanceof Float32Array` against the host's.
// Sharing the host's typed-array constructors keeps the reference usable; the library itself never relies on
// instanceof across realms (it checks with ArrayBuffer.isView and the object tag).
const { TestEnvironment } = require('jest-environment-node');

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of ['ArrayBuffer', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array',
      'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
      this.global[name] = globalThis[name];
    }
  }
}

module.exports = SharedTypedArrayEnvironment;
