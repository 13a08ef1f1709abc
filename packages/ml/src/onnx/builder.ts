import { AttributeType, DataType, ModelProto } from './proto';

export type Attr = { int: number } | { float: number } | { ints: number[] };
/** A dimension: a fixed size, or a name for a size known only at run time (`batch`, `window`). */
export type Dim = number | string;

interface Node {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  attribute: object[];
}

function valueInfo(name: string, dims: readonly Dim[]) {
  return {
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

function attribute(name: string, a: Attr) {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  return { name, type: AttributeType.INTS, ints: a.ints };
}

/**
 * Builds an ONNX graph of standard operators (default domain) over float inputs. Every
 * intermediate value gets a generated name; `output` renames a value into a graph output.
 */
export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: object[] = [];
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private counter = 0;

  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  output(value: string, name: string, dims: readonly Dim[]): void {
    this.op('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, dims));
  }

  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `c${this.counter++}`;
    this.initializers.push({ name, dims: [...dims], data_type: DataType.FLOAT, raw_data: littleEndian(new Float32Array(values)) });
    return name;
  }

  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `c${this.counter++}`;
    this.initializers.push({ name, dims: [...dims], data_type: DataType.INT64, raw_data: littleEndian(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }

  /** Adds one node; returns the name of its (first) output. */
  op(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputName?: string): string {
    return this.opN(type, inputs, 1, attrs, outputName ? [outputName] : undefined)[0]!;
  }

  /** Adds one node with several outputs (TopK gives values and indices). */
  opN(type: string, inputs: readonly string[], outputs: number, attrs: Record<string, Attr> = {}, names?: string[]): string[] {
    const id = this.counter++;
    const out = names ?? Array.from({ length: outputs }, (_, i) => `${type.toLowerCase()}${id}_${i}`);
    this.nodes.push({ op_type: type, input: [...inputs], output: out, name: `n${id}_${type}`, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out;
  }

  /** The serialized ModelProto. */
  toBytes(meta: { name: string; doc: string; opset: number; version: number }): Uint8Array {
    const model = ModelProto.fromObject({
      ir_version: 8,
      producer_name: 'vigil',
      producer_version: '0.1.0',
      domain: 'io.vigil',
      model_version: meta.version,
      doc_string: meta.doc,
      opset_import: [{ domain: '', version: meta.opset }],
      graph: { name: meta.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return ModelProto.encode(model).finish();
  }
}

function littleEndian(array: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(array.byteLength);
  const view = new DataView(bytes.buffer);
  array.forEach((v: number | bigint, i: number) => {
    if (typeof v === 'bigint') view.setBigInt64(i * 8, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return bytes;
}
