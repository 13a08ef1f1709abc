import { parsePromQL } from './packages/core/src/promql';
const show = (q: string) => { const t0 = Date.now(); try { const e = parsePromQL(q); const s = JSON.stringify(e); console.log(JSON.stringify(q.slice(0,60)), '=>', s.length > 300 ? s.slice(0,300)+'...' : s, Date.now()-t0+'ms'); } catch (err: any) { console.log(JSON.stringify(q.slice(0,60)), 'ERR', err.name, err.message, Date.now()-t0+'ms'); } };
for (const q of process.argv.slice(2)) show(q);
