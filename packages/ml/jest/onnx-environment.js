/**
 * Jest's node environment for tests that run onnxruntime-node. The native binding creates its
 * output typed arrays in Node's main realm, while the runtime's JavaScript checks them with
 * `instanceof` against the constructors of the test's sandbox realm, so every inference would
 * fail. Handing the sandbox the main realm's typed-array constructors makes the two agree.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
