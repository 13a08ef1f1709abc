import { parser } from '@prometheus-io/lezer-promql';
const strict = parser.configure({ strict: true });
const K=64*1024;
const cases = { idents: Array(K/2).fill('a').join(' '), ab: 'a b', sum: 'a + b}', ops: Array(K/2).fill('+').join(' '), eqs: Array(Math.floor(K/3)).fill('==').join(' '), braceb: 'a{b}', end: 'a ==', unclosed: '(a', s: '"x" "y"', garbage2: ')a('.repeat(Math.floor(K/3)).slice(1), ok: Array(200).fill('a').join('+')};
for (const [n,q] of Object.entries(cases)) { const t0=Date.now(); try { strict.parse(q); console.log(n,'ok',Date.now()-t0); } catch(e) { console.log(n, e.constructor.name, e.message, Date.now()-t0); } }
