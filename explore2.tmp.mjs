import { parser } from '@prometheus-io/lezer-promql';
function test(name, text){
  const t0=Date.now();
  try {
    const tree = parser.parse(text);
    let maxd=0,d=0,n=0,err=0; const c=tree.cursor();
    // iterative walk
    for(;;){ n++; if(c.type.isError) err++; if (c.firstChild()) { d++; if(d>maxd)maxd=d; continue; }
      for(;;){ if(c.nextSibling()) break; if(!c.parent()) { d=-1; break;} d--; }
      if(d<0)break; }
    console.log(name, text.length, 'ok', Date.now()-t0,'ms nodes',n,'depth',maxd,'errs',err);
  } catch(e){ console.log(name,'THROW', e.constructor.name, e.message.slice(0,100), Date.now()-t0); }
}
const N=+process.argv[2]||30000;
test('parens', '('.repeat(N)+'a'+')'.repeat(N));
test('sum', Array(N).fill('a').join('+'));
test('pow', Array(N).fill('a').join('^'));
test('unary', '-'.repeat(N)+'a');
test('unclosed', '('.repeat(N));
test('braces', '{'.repeat(N));
test('garbage', '}'.repeat(N));
test('garbage2', ')a('.repeat(N/3));
test('garbage3', 'a{b="c"} + on( ('.repeat(N/15));
test('matchers', 'a{'+Array(N/8).fill('b="c"').join(',')+'}');
