import { ModelContractError, type ModelRunner, type ModelTensors } from '@vigil/core';
import { ModelRegistry, type ModelSpec } from './registry';

/** The part of onnxruntime-node's API the runner uses. */
interface OrtTensor {
  data: unknown;
  dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtModule {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(path: string, options?: object): Promise<OrtSession> };
}

/**
 * onnxruntime-node carries native binaries, so bundles keep it external and it is imported by a
 * computed name at the first inference: handlers that never predict never load it.
 * `VIGIL_ONNXRUNTIME` names another install of it: a package name or the path of its entry file
 * (`/opt/nodejs/node_modules/onnxruntime-node/dist/index.js` in a Lambda layer, for one).
 */
function runtimeSpecifier(): string {
  return process.env.VIGIL_ONNXRUNTIME || 'onnxruntime-node';
}

async function importRuntime(): Promise<OrtModule> {
  const m = (await import(runtimeSpecifier())) as Partial<OrtModule> & { default?: OrtModule };
  // A CommonJS module imported from ESM may sit behind `default`.
  return m.InferenceSession ? (m as OrtModule) : m.default!;
}

export interface OnnxModelRunnerOptions {
  registry?: ModelRegistry;
  /** Threads per inference; serverless instances have one or two cores. */
  intraOpThreads?: number;
  /** Loads the runtime module; tests and embedders may inject another. */
  loadRuntime?: () => Promise<OrtModule>;
}

/** The ModelRunner port on ONNX Runtime (CPU). One session per model per warm instance. */
export class OnnxModelRunner implements ModelRunner {
  readonly registry: ModelRegistry;
  private runtime?: Promise<OrtModule>;
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  constructor(private readonly options: OnnxModelRunnerOptions = {}) {
    this.registry = options.registry ?? new ModelRegistry();
  }

  private loadRuntime(): Promise<OrtModule> {
    if (!this.runtime) {
      const load = this.options.loadRuntime ?? importRuntime;
      this.runtime = load().catch((err: unknown) => {
        this.runtime = undefined;
        throw new Error(`onnxruntime-node could not be loaded (${runtimeSpecifier()}): ${(err as Error).message}`);
      });
    }
    return this.runtime;
  }

  private session(spec: ModelSpec): Promise<OrtSession> {
    let s = this.sessions.get(spec.name);
    if (!s) {
      const path = this.registry.path(spec);
      s = this.loadRuntime().then((ort) =>
        ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: this.options.intraOpThreads ?? 1, interOpNumThreads: 1 }),
      );
      s.catch(() => this.sessions.delete(spec.name));
      this.sessions.set(spec.name, s);
    }
    return s;
  }

  async run(model: string, inputs: ModelTensors): Promise<ModelTensors> {
    const spec = this.registry.get(model);
    checkInputs(spec, inputs);
    const session = await this.session(spec);
    const ort = await this.loadRuntime();
    const feeds: Record<string, OrtTensor> = {};
    for (const t of spec.inputs) {
      const input = inputs[t.name]!;
      feeds[t.name] = new ort.Tensor('float32', input.data, input.dims);
    }
    const result = await session.run(feeds);
    const out: ModelTensors = {};
    for (const t of spec.outputs) {
      const tensor = result[t.name];
      if (!tensor || !(tensor.data instanceof Float32Array)) throw new ModelContractError(`model ${spec.name} returned no float32 output "${t.name}"`);
      out[t.name] = { data: tensor.data, dims: [...tensor.dims] };
    }
    return out;
  }

  async close(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of await Promise.allSettled(sessions)) if (s.status === 'fulfilled') await s.value.release();
  }
}

/** Inputs must match the contract before they reach native code, where a mismatch is an opaque crash or error. */
export function checkInputs(spec: ModelSpec, inputs: ModelTensors): void {
  const named = new Map<string, number>();
  for (const t of spec.inputs) {
    const input = inputs[t.name];
    if (!input) throw new ModelContractError(`model ${spec.name}: missing input "${t.name}"`);
    if (input.dims.length !== t.dims.length) throw new ModelContractError(`model ${spec.name}: input "${t.name}" has ${input.dims.length} dimensions, the model wants ${t.dims.length}`);
    let size = 1;
    input.dims.forEach((d, i) => {
      const want = t.dims[i]!;
      if (!Number.isInteger(d) || d < 1) throw new ModelContractError(`model ${spec.name}: input "${t.name}" dimension ${i} is ${d}`);
      if (typeof want === 'number' && d !== want) throw new ModelContractError(`model ${spec.name}: input "${t.name}" dimension ${i} is ${d}, the model wants ${want}`);
      if (typeof want === 'string') {
        const seen = named.get(want);
        if (seen !== undefined && seen !== d) throw new ModelContractError(`model ${spec.name}: input "${t.name}" dimension ${i} (${want}) is ${d}, another input has ${seen}`);
        named.set(want, d);
      }
      size *= d;
    });
    if (input.data.length !== size) throw new ModelContractError(`model ${spec.name}: input "${t.name}" has ${input.data.length} values for dimensions [${input.dims.join(', ')}]`);
  }
}
