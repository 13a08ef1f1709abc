import { parser } from '@prometheus-io/lezer-promql';
function dump(text){
  const tree = parser.parse(text);
  const out=[]; let depth=0;
  tree.iterate({enter(n){ out.push('  '.repeat(depth)+n.name+(n.type.isError?'(ERR)':'')+` [${n.from},${n.to}] ${JSON.stringify(text.slice(n.from,n.to))}`); depth++;}, leave(){depth--;}});
  console.log(out.join('\n')); console.log('---');
}
for (const t of process.argv.slice(2)) dump(t);
