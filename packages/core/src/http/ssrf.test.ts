import { OutboundPolicy, parseAddress } from './ssrf';

describe('OutboundPolicy', () => {
  const strict = OutboundPolicy.fromEnv(undefined);

  it.each([
    '127.0.0.1',
    '127.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    '::7f00:1',
    '::1',
    '[::1]',
    '169.254.169.254',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    'fe80::1%eth0',
    '10.1.2.3',
    '192.168.0.1',
    '172.16.0.1',
    '172.31.255.255',
    'fd00::1',
    'fc00::1',
    '100.64.0.1',
    '0.0.0.0',
    '0',
    '::',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    '2002:a9fe:a9fe::1', // 6to4 of 169.254.169.254
    '2001::1', // Teredo
    '198.18.0.1',
    '240.0.0.1',
  ])('refuses %s', (address) => {
    expect(strict.check(address).allowed).toBe(false);
  });

  it.each(['8.8.8.8', '2001:4860::8888', '1.1.1.1', '172.32.0.1', '64:ff9b::808:808', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(strict.check(address).allowed).toBe(true);
  });

  it('explains a refusal', () => {
    expect(strict.check('0x7f000001').reason).toBe('127.0.0.1 is a loopback address');
    expect(strict.check('hooks.example.com')).toEqual({ allowed: false, reason: '"hooks.example.com" is not an IP address' });
  });

  it('lets the operator allow CIDRs, addresses and host names', () => {
    const p = OutboundPolicy.fromEnv(' 127.0.0.1/32, 10.0.0.0/8 ,fd00::/8, 192.168.1.5, Hooks.Example.com ');
    expect(p.check('127.0.0.1').allowed).toBe(true);
    expect(p.check('127.1').allowed).toBe(true);
    expect(p.check('::ffff:127.0.0.1').allowed).toBe(true); // the same address, mapped
    expect(p.check('127.0.0.2').allowed).toBe(false);
    expect(p.check('::1').allowed).toBe(false);
    expect(p.check('10.200.1.1').allowed).toBe(true);
    expect(p.check('fd12::1').allowed).toBe(true);
    expect(p.check('192.168.1.5').allowed).toBe(true);
    expect(p.check('192.168.1.6').allowed).toBe(false);
    expect(p.check('169.254.169.254').allowed).toBe(false);
    expect(p.check('192.168.9.9', 'hooks.example.com').allowed).toBe(true);
    expect(p.check('192.168.9.9', 'other.example.com').allowed).toBe(false);
    expect(p.isHostAllowed('HOOKS.example.com.')).toBe(true);
  });

  it('refuses malformed allow entries', () => {
    expect(() => OutboundPolicy.fromEnv('127.0.0.1/33')).toThrow(/CIDR/);
    expect(() => OutboundPolicy.fromEnv('http://x')).toThrow();
    expect(() => OutboundPolicy.fromEnv('bad host')).toThrow(/host name/);
  });

  it('parses addresses, not host names', () => {
    expect(parseAddress('example.com')).toBeUndefined();
    expect(parseAddress('[::1]')?.toString()).toBe('::1');
  });
});
