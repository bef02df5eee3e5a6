/**
 * Email notifications of automations (issue 17) through a real SMTP server on loopback (npm
 * `smtp-server`): a message with the flow, run, state, error and run URL is delivered with the
 * password read from the server's secrets; a server that refuses the credentials fails the action
 * with its reason, and the password appears in no firing, API answer, event or log line.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FiringRecord } from '../../src/store/automations.js';
import { call, eventually } from '../server/http.js';
import { NotificationError } from '../../src/errors.js';
import { sendEmail } from '../../src/automations/notifications.js';
import { failRun, startAutomationApp, testClock } from './automation-app.js';
import type { AutomationApp } from './automation-app.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const PASSWORD = 'smtp-pa55-7f3a9c';
const WRONG = 'wrong-pa55-b81d2e';

/** A received message. */
interface Mail {
  readonly user: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

/** Undoes quoted-printable soft breaks and escapes, so the test reads the text as sent. */
function decoded(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

describe('email notifications over SMTP', () => {
  const clock = testClock();
  const mails: Mail[] = [];
  let smtp: SMTPServer;
  let smtpPort = 0;
  let connections = 0;
  let server: AutomationApp;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onConnect(_session, callback) {
        connections += 1;
        callback();
      },
      onAuth(auth, _session, callback) {
        // A careless server that echoes what it was given: the recorded reason must still hide it.
        if (auth.username === 'weft' && auth.password === PASSWORD) callback(null, { user: auth.username });
        else callback(new Error(`Invalid username or password (got ${String(auth.password)})`));
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (raw += chunk));
        stream.on('end', () => {
          mails.push({ user: String(session.user), from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    server = await startAutomationApp({ clock, logs: true });
  });
  afterAll(async () => {
    await server.close();
    await new Promise<void>((resolve) => smtp.close(resolve));
  });

  it('delivers a message with the flow, run, state, error and run URL, the password read from a secret', async () => {
    expect((await call(server.url, 'PUT', '/api/v1/secrets/smtp-password', { value: PASSWORD })).status).toBe(200);
    const created = await call(server.url, 'POST', '/api/v1/automations', {
      name: 'failures by email',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': 'weft.tag.mail' } },
      actions: [{ type: 'email', smtp: `smtp://weft@127.0.0.1:${smtpPort}`, password: { secret: 'smtp-password' }, from: 'weft@example.com', to: ['ops@example.com', 'oncall@example.com'] }],
    });
    expect(created.status).toBe(201);
    const id = await failRun(server.url, clock, { tags: ['mail'], name: 'mailed-run', flowName: 'nightly-billing' }, 'ledger locked by another job');
    await eventually(async () => mails.length === 1, 'the email');
    const [mail] = mails;
    expect(mail?.user).toBe('weft');
    expect(mail?.from).toBe('weft@example.com');
    expect(mail?.to).toEqual(['ops@example.com', 'oncall@example.com']);
    const text = decoded(mail?.raw ?? '');
    expect(text).toMatch(/^Subject: Weft: flow run mailed-run of nightly-billing is Failed/m);
    expect(text).toContain('Flow run nightly-billing/mailed-run entered state Failed');
    expect(text).toContain('Error: ledger locked by another job');
    expect(text).toContain(`http://weft.example.com/runs/${id}`);
    expect(text).toMatch(/^X-Weft-Idempotency-Key:\s+\S+/m); // the firing's key (the header may be folded)
  });

  it('records the refusal of the credentials with the server’s reason; the password appears nowhere', async () => {
    const created = await call<{ id: string; actions: { password: string }[] }>(server.url, 'POST', '/api/v1/automations', {
      name: 'email with a wrong password',
      trigger: { type: 'event', expect: ['weft.flow-run.Failed'], matchRelated: { 'weft.resource.id': 'weft.tag.bad-mail' } },
      actions: [{ type: 'email', smtp: `smtp://weft@127.0.0.1:${smtpPort}`, password: WRONG, from: 'weft@example.com', to: ['ops@example.com'] }],
    });
    expect(created.status).toBe(201);
    expect(created.body.actions[0]?.password).toBe('***');
    const before = mails.length;
    const runId = await failRun(server.url, clock, { tags: ['bad-mail'] });
    let firing: FiringRecord | undefined;
    await eventually(async () => {
      firing = (await call<{ firings: FiringRecord[] }>(server.url, 'GET', `/api/v1/automations/${created.body.id}`)).body.firings[0];
      return firing?.status === 'failed';
    }, 'the failed email action');
    expect(firing?.actions[0]).toMatchObject({ type: 'email', status: 'failed', attempts: 4 });
    expect(firing?.actions[0]?.error).toContain('535');
    expect(firing?.actions[0]?.error).toContain('Invalid username or password');
    expect(firing?.actions[0]?.error).toContain('***');
    expect(mails.length).toBe(before);

    const automationEvents = async () =>
      (await call<{ items: { event: string; payload: { error?: string } }[] }>(server.url, 'GET', `/api/v1/events?resource=weft.automation.${created.body.id}&limit=1000`, undefined, { accept: 'application/json' })).body.items;
    await eventually(async () => (await automationEvents()).some((e) => e.event === 'weft.automation.action.failed'), 'the action.failed event');
    const answers = [
      await call(server.url, 'GET', `/api/v1/automations/${created.body.id}`),
      await call(server.url, 'GET', '/api/v1/automations'),
      await call(server.url, 'GET', `/api/v1/events?related=weft.flow-run.${runId}&limit=1000`, undefined, { accept: 'application/json' }),
      await call(server.url, 'GET', `/api/v1/events?resource=weft.automation.${created.body.id}&limit=1000`, undefined, { accept: 'application/json' }),
    ];
    const failedEvents = (answers[3]?.body as { items: { event: string; payload: { error?: string } }[] }).items.filter((e) => e.event === 'weft.automation.action.failed');
    expect(failedEvents).toHaveLength(1);
    expect(failedEvents[0]?.payload.error).toContain('Invalid username or password');
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(WRONG);
    expect(server.logs.length).toBeGreaterThan(0); // the logger was on: the check below reads real lines
    expect(server.logs.join('')).not.toContain(WRONG);
    expect(server.logs.join('')).not.toContain(PASSWORD);
  });
  it('refuses an SMTP host at a loopback or private address unless private URLs are allowed, before connecting, as it does a webhook', async () => {
    const before = connections;
    const email = { from: 'weft@example.com', to: ['ops@example.com'], subject: 's', text: 't' };
    for (const smtp of [`smtp://weft@127.0.0.1:${smtpPort}`, `smtp://weft@localhost:${smtpPort}`, 'smtp://10.1.2.3:25', 'smtp://[::1]:25', 'smtps://169.254.169.254:465']) {
      const refused = await sendEmail({ ...email, smtp, password: PASSWORD }).catch((e: unknown) => e);
      expect(refused, smtp).toBeInstanceOf(NotificationError);
      expect((refused as Error).message).toMatch(/private, loopback or link-local address: refused\. Set WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS=true/);
    }
    expect(connections).toBe(before); // no connection: no port-scan oracle in its errors
    const sent = mails.length;
    await sendEmail({ ...email, smtp: `smtp://weft@localhost:${smtpPort}`, password: PASSWORD }, { allowPrivateUrls: true });
    expect(mails.length).toBe(sent + 1);
  });
});
