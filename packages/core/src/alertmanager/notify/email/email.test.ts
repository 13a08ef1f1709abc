import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { DeliveryError } from '../delivery';
import { loopbackClient, notification, options, receiverFrom, RESOLVED, strictClient } from '../testing';
import { resolveEmailConfig } from './config';
import { notifyEmail } from './email';

/** A self-signed certificate for 127.0.0.1 and localhost, made for this run. */
function selfSigned(): { key: string; cert: string } {
  try {
    execFileSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' });
  } catch {
    throw new Error('openssl is not installed: install the openssl package (used to make a test certificate)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-smtp-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Received {
  from: string;
  to: string[];
  user: string;
  secure: boolean;
  raw: string;
}

/** Quoted-printable and header folding undone, enough to assert on the text. */
const decode = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('email over SMTP with STARTTLS (smtp-server on loopback)', () => {
  const tls = selfSigned();
  let server: SMTPServer;
  let port: number;
  let received: Received[];
  let rejectNext: { code: number; message: string } | undefined;

  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      key: tls.key,
      cert: tls.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH is only offered after STARTTLS (allowInsecureAuth is off), and mail is refused
      // on a session that has not upgraded: STARTTLS is required.
      onAuth(auth, _session, cb) {
        if (auth.username === 'am' && auth.password === 'm4il-s3cret') cb(null, { user: 'am' });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onMailFrom(_address, session, cb) {
        if (!session.secure) return cb(Object.assign(new Error('Must issue a STARTTLS command first'), { responseCode: 530 }));
        if (rejectNext) {
          const r = rejectNext;
          rejectNext = undefined;
          return cb(Object.assign(new Error(r.message), { responseCode: r.code }));
        }
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: String(session.user),
            secure: session.secure,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          cb();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received = [];
    rejectNext = undefined;
  });

  const email = (extra = '', password = 'm4il-s3cret', headers = "{ x-team: '{{ .GroupLabels.alertname }}' }") => {
    const ca = tls.cert.trim().split('\n').join('\n            ');
    const { config, receiver } = receiverFrom(
      `    email_configs:\n      - to: 'ops@example.com, {{ .CommonLabels.job }}@example.com'\n        headers: ${headers}\n        tls_config:\n          ca: |\n            ${ca}\n${extra}`,
      `  smtp_smarthost: 127.0.0.1:${port}\n  smtp_from: vigil@example.com\n  smtp_auth_username: am\n  smtp_auth_password: ${password}\n  smtp_hello: vigil.test`,
    );
    return resolveEmailConfig((receiver.email_configs as unknown[])[0], config.global);
  };

  it('upgrades with STARTTLS, authenticates, and sends the default subject and HTML body', async () => {
    expect(await notifyEmail(loopbackClient(), email(), notification(), options())).toEqual({ attempts: 1 });
    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m).toMatchObject({ from: 'vigil@example.com', to: ['ops@example.com', 'api@example.com'], user: 'am', secure: true });
    const text = decode(m.raw);
    expect(text).toMatch(/^Subject: \[FIRING:1\] HighLatency \(api page\)\r?$/m);
    expect(text).toMatch(/^To: ops@example\.com, api@example\.com\r?$/m);
    expect(text).toMatch(/^From: vigil@example\.com\r?$/m);
    expect(text).toMatch(/^X-Team: HighLatency\r?$/m);
    expect(text).toContain('Content-Type: text/html');
    expect(text).toContain('<strong>[1] Firing</strong>');
    expect(text).toContain('instance = a<br>');
    expect(text).toContain('<strong>[1] Resolved</strong>');
  });

  it('sends the text part when configured and a resolved subject; the envelope follows `to`, not the To header', async () => {
    await notifyEmail(loopbackClient(), email(`        text: '{{ template "email.default.text" . }}'\n`, undefined, "{ To: 'Ops Team <list@example.com>' }"), notification([RESOLVED]), options());
    expect(received[0]!.to).toEqual(['ops@example.com', 'api@example.com']);
    expect(decode(received[0]!.raw)).toMatch(/^To: Ops Team <list@example\.com>\r?$/m);
    const text = decode(received[0]!.raw);
    expect(text).toMatch(/^Subject: \[RESOLVED\] HighLatency \(b api page\)\r?$/m);
    expect(text).toContain('Content-Type: text/plain');
    expect(text).toContain('Alerts Resolved:');
  });

  it('does not retry a wrong password (535) and never shows it', async () => {
    const err = (await notifyEmail(loopbackClient(), email('', 'wr0ng-pass'), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, attempts: 1 });
    expect(err.message).toMatch(/Invalid username or password/);
    expect(err.message).not.toContain('wr0ng-pass');
    expect(received).toHaveLength(0);
  });

  it('retries a transient 451, then delivers', async () => {
    rejectNext = { code: 451, message: 'try again later' };
    expect(await notifyEmail(loopbackClient(), email(), notification(), options())).toEqual({ attempts: 2 });
    expect(received).toHaveLength(1);
  });

  it("fails permanently when the server's certificate is not trusted", async () => {
    const untrusted = { ...email(), tls_config: undefined };
    await expect(notifyEmail(loopbackClient(), untrusted, notification(), options())).rejects.toMatchObject({ retryable: false });
    expect(received).toHaveLength(0);
  });

  it('refuses a server without STARTTLS when require_tls is on, and sends in clear when it is off', async () => {
    const plainReceived: string[] = [];
    const plain = new SMTPServer({
      hideSTARTTLS: true,
      authOptional: true,
      logger: false,
      onData(stream, _session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          plainReceived.push(raw);
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const plainPort = (plain.server.address() as AddressInfo).port;
      const cfg = { ...email(), smarthost: `127.0.0.1:${plainPort}`, auth_username: undefined, auth_password: undefined };
      const err = (await notifyEmail(loopbackClient(), cfg, notification(), options()).catch((e) => e)) as DeliveryError;
      expect(err).toMatchObject({ retryable: false, attempts: 1 });
      expect(plainReceived).toHaveLength(0);
      expect(await notifyEmail(loopbackClient(), { ...cfg, require_tls: false }, notification(), options())).toEqual({ attempts: 1 });
      expect(plainReceived).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('checks the smarthost against the outbound policy', async () => {
    const err = (await notifyEmail(strictClient(), email(), notification(), options()).catch((e) => e)) as DeliveryError;
    expect(err).toMatchObject({ retryable: false });
    expect(err.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(received).toHaveLength(0);
  });
});
