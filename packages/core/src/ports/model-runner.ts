/**
 * ModelRunner: batch inference on feature windows. Inputs and outputs are named float32
 * tensors in row-major order; the first dimension is the batch (one row per series), so one
 * call scores every series of a tick. Implementations load models lazily and keep them for
 * the life of a warm instance.
 */
export interface ModelTensor {
  data: Float32Array;
  dims: readonly number[];
}

export type ModelTensors = Record<string, ModelTensor>;

export interface ModelRunner {
  /** Runs the named model of the runner's registry; the result holds every declared output. */
  run(model: string, inputs: ModelTensors): Promise<ModelTensors>;
  /** Releases loaded sessions (tests, shutdown). */
  close(): Promise<void>;
}

/** A model the registry does not know, or inputs that break its contract: a caller error. */
export class ModelContractError extends Error {
  override name = 'ModelContractError';
}
