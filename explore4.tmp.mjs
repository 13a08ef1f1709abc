import { parser } from '@prometheus-io/lezer-promql';
const strict = parser.configure({ strict: true });
function exprDepth(tree){ const c=tree.cursor(); const st=[]; let d=0,max=0,errs=0;
  for(;;){ const isE=c.type.is('Expr'); if(c.type.isError)errs++; if(isE){d++; if(d>max)max=d;} st.push(isE);
    if(c.firstChild()) continue;
    for(;;){ if(st.pop()) d--; if(c.nextSibling()) break; if(!c.parent()) return {max,errs}; }
  } }
const K=64*1024;
for (const [n,q] of Object.entries({sum: Array(32000).fill('a').join('+'), pow: Array(32000).fill('a').join('^'), unary: '-'.repeat(K-2)+'a', ops: Array(K/2).fill('+').join(' '), mixed: ('a + (b * on(x) c) - ').repeat(Math.floor(K/20)), mul: Array(20000).fill('a * 2').join(' - '), cmp: Array(20000).fill('a').join(' > ')})) {
  let p=-1; try { strict.parse(q); } catch(e){ p=+/No parse at (\d+)/.exec(e.message)[1]; }
  const t0=Date.now(); const r = exprDepth(parser.parse(q.slice(0,p<0?q.length:p))); console.log(n, 'fail at', p, 'prefix depth', r, Date.now()-t0,'ms');
}
