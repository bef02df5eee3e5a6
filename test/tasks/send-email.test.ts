/**
 * `sendEmail` against a real SMTP server on loopback (npm smtp-server): delivery with login,
 * a permanently refused recipient (no retry), an unreachable server, bad input.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SendEmailError } from '../../src/errors.js';
import { createRuntime, flow, type WeftRuntime } from '../../src/index.js';
import { loadSettings } from '../../src/settings.js';
import type { State } from '../../src/states.js';
import type { Store } from '../../src/store/store.js';
import { sendEmail } from '../../src/tasks/index.js';

let home = '';
let rt: WeftRuntime;
let store: Store;
let smtp: SMTPServer;
let port = 0;
const received: { from: string; to: string[]; data: string; user: string | undefined }[] = [];
let rcptCalls = 0;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'weft-email-'));
  rt = createRuntime({ settings: loadSettings({ WEFT_HOME: home, WEFT_LOGGING_CONSOLE_LEVEL: 'CRITICAL' }) });
  store = (await rt.client()).store;
  smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => (auth.username === 'etl' && auth.password === 's3cret-pw' ? callback(null, { user: auth.username }) : callback(new Error('Invalid username or password'))),
    onRcptTo: (address, _session, callback) => {
      rcptCalls++;
      if (address.address.startsWith('nobody@')) {
        const error = Object.assign(new Error('No such user here'), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData: (stream, session, callback) => {
      let data = '';
      stream.setEncoding('utf8').on('data', (c: string) => (data += c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data, user: session.user as string | undefined });
        callback();
      });
    },
  });
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  port = (smtp.server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await rt.close();
  rmSync(home, { recursive: true, force: true });
});

const url = () => `smtp://etl:s3cret-pw@127.0.0.1:${port}`;

describe('sendEmail', () => {
  it('delivers the message with login, and logs it without the password', async () => {
    const f = flow({ name: 'email-ok' }, () =>
      sendEmail({ smtpUrl: url(), from: 'ETL <etl@example.com>', to: ['team@example.com', 'ops@example.com'], subject: 'Nightly load done', text: '12 rows loaded' }),
    );
    const receipt = await rt.run(() => f({}));
    expect(receipt.accepted).toEqual(['team@example.com', 'ops@example.com']);
    const got = received.at(-1)!;
    expect(got).toMatchObject({ from: 'etl@example.com', to: ['team@example.com', 'ops@example.com'], user: 'etl' });
    expect(got.data).toContain('Subject: Nightly load done');
    expect(got.data).toContain('12 rows loaded');
    await (await rt.client()).recorder.flush();
    const run = (await store.listFlowRuns({ flowName: 'email-ok', limit: 1 }))[0]!;
    const logs = await store.listLogs(run.id);
    expect(logs.some((l) => l.message.includes("Sent 'Nightly load done'") && l.message.includes('smtp://etl:***@127.0.0.1'))).toBe(true);
    expect(logs.some((l) => l.message.includes('s3cret-pw'))).toBe(false);
  });

  it('fails at once, without retrying, when the server refuses a recipient for good', async () => {
    const before = rcptCalls;
    const f = flow({ name: 'email-refused' }, () => sendEmail({ smtpUrl: url(), from: 'etl@example.com', to: 'nobody@example.com', subject: 'x', text: 'x' }));
    const state = (await rt.run(() => f.run({}, { returnState: true }))) as State;
    expect(state.type).toBe('FAILED');
    expect(state.error).toBeInstanceOf(SendEmailError);
    expect(state.message).toContain('SMTP 550');
    expect(state.message).toContain('No such user here');
    expect(state.message).not.toContain('s3cret-pw');
    expect(rcptCalls - before).toBe(1);
  });

  it('names an SMTP server it cannot reach, and a login it refused, never the password', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const freePort = (closed.address() as { port: number }).port;
    closed.close();
    const unreachable = await rt.run(() => sendEmail.with({ retries: 0 })({ smtpUrl: `smtp://etl:s3cret-pw@127.0.0.1:${freePort}`, from: 'etl@example.com', to: 'a@example.com', subject: 's', text: 't' })).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(SendEmailError);
    expect((unreachable as Error).message).toMatch(/ECONNREFUSED|connect/i);
    const wrongLogin = await rt.run(() => sendEmail.with({ retries: 0 })({ smtpUrl: `smtp://etl:wrong-pw@127.0.0.1:${port}`, from: 'etl@example.com', to: 'a@example.com', subject: 's', text: 't' })).catch((e: unknown) => e);
    expect((wrongLogin as Error).message).toContain('Invalid username or password');
    expect((wrongLogin as Error).message).not.toContain('wrong-pw');
  });

  it('refuses a message without a server, recipient, or body, saying what to give', async () => {
    for (const [bad, says] of [
      [{ smtpUrl: 'mail.example.com', from: 'a@b.c', to: 'x@y.z', subject: 's', text: 't' }, 'needs smtpUrl'],
      [{ smtpUrl: url(), from: 'a@b.c', to: [], subject: 's', text: 't' }, 'at least one'],
      [{ smtpUrl: url(), from: 'a@b.c', to: 'not-an-address', subject: 's', text: 't' }, '"not-an-address"'],
      [{ smtpUrl: url(), from: 'a@b.c', to: 'x@y.z', subject: 's' }, 'needs a body'],
    ] as const) {
      const error = await rt.run(() => sendEmail(bad as never)).catch((e: unknown) => e);
      expect((error as Error).name).toBe('UsageError');
      expect((error as Error).message).toContain(says);
    }
  });
});
