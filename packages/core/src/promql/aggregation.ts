import { LABEL_NAME_RE, METRIC_NAME, type Labels } from '../model/labels';
import type { AggregateOp } from './ast';
import { EvaluationError } from './errors';
import { LabelProjection, labelsKey, onlyLabels, setLabel, withoutLabels } from './labelset';
import { formatFloatF, formatFloatG, GoHeap, lessNaNFirst, quantile } from './numeric';
import type { Sample } from './value';

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  heap?: GoHeap<Sample>;
  values?: number[];
}

const INT64_LIMIT = 9.223372036854776e18;

/**
 * An aggregation over one instant vector, as Prometheus 2.42's evaluator.aggregation: groups
 * in order of first appearance, the same running formulas (so rounding agrees), topk/bottomk
 * through the same heap.
 */
export function aggregate(op: AggregateOp, grouping: readonly string[], without: boolean, param: number | string | undefined, input: readonly Sample[]): Sample[] {
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    const f = param as number;
    if (!(f <= INT64_LIMIT && f >= -INT64_LIMIT)) throw new EvaluationError(`Scalar value ${formatFloatG(f)} overflows int64`);
    k = Math.trunc(f);
    if (k < 1) return [];
  }
  const q = op === 'quantile' ? (param as number) : 0;
  let names = [...grouping];
  let valueLabel = '';
  if (op === 'count_values') {
    valueLabel = param as string;
    if (!LABEL_NAME_RE.test(valueLabel)) throw new EvaluationError(`invalid label name ${JSON.stringify(valueLabel)}`);
    if (!without) names = [...names, valueLabel];
  }

  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  // count_values makes a new label set per element: nothing to reuse there.
  const projection = op === 'count_values' ? undefined : new LabelProjection(without ? [...names, METRIC_NAME] : names, !without);
  for (const s of input) {
    const metric = op === 'count_values' ? setLabel(s.labels, valueLabel, formatFloatF(s.value)) : s.labels;
    const groupLabels = projection ? projection.apply(metric) : without ? withoutLabels(metric, [...names, METRIC_NAME]) : onlyLabels(metric, names);
    const key = labelsKey(groupLabels);
    const group = groups.get(key);
    if (!group) {
      const g: Group = { labels: groupLabels, value: s.value, mean: s.value, count: 1 };
      switch (op) {
        case 'stddev':
        case 'stdvar':
          g.value = 0;
          break;
        case 'group':
          g.value = 1;
          break;
        case 'topk':
          g.heap = new GoHeap<Sample>((a, b) => lessNaNFirst(a.value, b.value));
          g.heap.push(s);
          break;
        case 'bottomk':
          g.heap = new GoHeap<Sample>((a, b) => Number.isNaN(a.value) || a.value > b.value);
          g.heap.push(s);
          break;
        case 'quantile':
          g.values = [s.value];
          break;
        default:
          break;
      }
      groups.set(key, g);
      ordered.push(g);
      continue;
    }
    const v = s.value;
    switch (op) {
      case 'sum':
        group.value += v;
        break;
      case 'avg': {
        group.count++;
        const meanInf = !Number.isFinite(group.mean) && !Number.isNaN(group.mean);
        if (meanInf && ((!Number.isFinite(v) && !Number.isNaN(v) && group.mean > 0 === v > 0) || Number.isFinite(v))) break;
        // Each side divided by the count keeps large values from overflowing.
        group.mean += v / group.count - group.mean / group.count;
        break;
      }
      case 'max':
        if (group.value < v || Number.isNaN(group.value)) group.value = v;
        break;
      case 'min':
        if (group.value > v || Number.isNaN(group.value)) group.value = v;
        break;
      case 'count':
      case 'count_values':
        group.count++;
        break;
      case 'stddev':
      case 'stdvar': {
        group.count++;
        const delta = v - group.mean;
        group.mean += delta / group.count;
        group.value += delta * (v - group.mean);
        break;
      }
      case 'topk':
      case 'bottomk': {
        const heap = group.heap!;
        const top = heap.items[0]!.value;
        const better = op === 'topk' ? top < v : top > v;
        if (heap.length < k || better || Number.isNaN(top)) {
          if (heap.length === k) {
            if (k === 1) {
              heap.items[0] = s;
              break;
            }
            heap.pop();
          }
          heap.push(s);
        }
        break;
      }
      case 'quantile':
        group.values!.push(v);
        break;
      case 'group':
        break;
    }
  }

  const out: Sample[] = [];
  for (const g of ordered) {
    switch (op) {
      case 'avg':
        g.value = g.mean;
        break;
      case 'count':
      case 'count_values':
        g.value = g.count;
        break;
      case 'stdvar':
        g.value = g.value / g.count;
        break;
      case 'stddev':
        g.value = Math.sqrt(g.value / g.count);
        break;
      case 'quantile':
        g.value = quantile(q, g.values!);
        break;
      case 'topk':
      case 'bottomk': {
        // Largest first for topk, smallest first for bottomk; full labels, name included.
        const items = [...g.heap!.items];
        const desc = op === 'topk';
        items.sort((a, b) => {
          const an = Number.isNaN(a.value);
          const bn = Number.isNaN(b.value);
          if (an || bn) return an === bn ? 0 : an ? 1 : -1;
          return desc ? b.value - a.value : a.value - b.value;
        });
        for (const s of items) out.push({ labels: s.labels, value: s.value });
        continue;
      }
      default:
        break;
    }
    out.push({ labels: g.labels, value: g.value });
  }
  return out;
}
