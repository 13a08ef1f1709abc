import { join } from 'node:path';
import { main, nodeIO } from './cli';

/**
 * Rule packs whose rules use Vigil's extensions run here through `vigil rules test`; the packs
 * promtool can run are checked against promtool in test/conformance/promtool.test.ts.
 */
const PACKS = ['ml-drift'];

describe.each(PACKS)('examples/rules/%s', (pack) => {
  it('passes its unit tests under vigil rules test', async () => {
    const out = { stdout: '', stderr: '' };
    const io = { ...nodeIO(), stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) };
    const file = join(__dirname, '..', '..', '..', 'examples', 'rules', pack, 'tests.vigil.yml');
    const code = await main(['rules', 'test', file], io);
    expect(out.stderr).toBe('');
    expect(code).toBe(0);
    expect(out.stdout).toBe(`Unit Testing:  ${file}\n  SUCCESS\n\n`);
  });
});
