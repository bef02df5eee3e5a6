/**
 * Sending notifications (issue 17): a Slack incoming webhook, a generic webhook (method, headers,
 * JSON body template), an email over SMTP (nodemailer). One attempt per call, with a timeout;
 * retries with back-off are the caller's (the automations service records every attempt). Each
 * request carries an `Idempotency-Key` header so a receiver can drop a repeat of an at-least-once
 * delivery.
 *
 * URLs and SMTP hosts at private, loopback or link-local addresses are refused unless allowed
 * (`WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS=true`): an automation must not reach into the server's
 * own network. Error messages never hold the URL's path or query (a Slack URL is its secret) nor a
 * password.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { NotificationError } from '../errors.js';

/** How a notification is sent. */
export interface SendOptions {
  /** Allow private, loopback and link-local addresses. @default false */
  readonly allowPrivateUrls?: boolean;
  /** Longest one call may take, in ms. @default 10_000 */
  readonly timeoutMs?: number;
  /** Sent as `Idempotency-Key`. */
  readonly idempotencyKey?: string;
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** The URL as it may be shown: scheme and host only. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/***`;
  } catch {
    return '(not a URL)';
  }
}

function isPrivate(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The addresses `host` (a name or an IP address) resolves to, unless allowed none of them private.
 * @throws NotificationError naming `shown` (host and port only) when it does not resolve or is private.
 */
async function checkHost(host: string, shown: string, allowPrivate: boolean): Promise<string[]> {
  const addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new NotificationError(`The host of ${shown} does not resolve.`);
  if (!allowPrivate && addresses.some(isPrivate)) {
    throw new NotificationError(`${shown} is a private, loopback or link-local address: refused. Set WEFT_NOTIFICATIONS_ALLOW_PRIVATE_URLS=true to allow it.`);
  }
  return addresses;
}

/**
 * Checks that `url` is http(s) and, unless allowed, does not lead to a private address.
 * @throws NotificationError saying why (with the host only).
 */
export async function checkUrl(url: string, allowPrivate: boolean): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NotificationError('The notification URL is not a URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new NotificationError(`The notification URL ${shownUrl(url)} is not http or https.`);
  if (allowPrivate) return parsed;
  await checkHost(parsed.hostname.replace(/^\[|\]$/g, ''), shownUrl(url), false);
  return parsed;
}

/**
 * Sends one HTTP request with a JSON body; resolves on a 2xx answer.
 * @throws NotificationError with the status (or network reason) and the host only.
 */
export async function sendHttp(method: string, url: string, headers: Readonly<Record<string, string>>, body: unknown, options: SendOptions = {}): Promise<void> {
  const target = await checkUrl(url, options.allowPrivateUrls ?? false);
  const withBody = method !== 'GET' && method !== 'DELETE';
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers: { ...(withBody ? { 'content-type': 'application/json' } : {}), ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}), ...headers },
      body: withBody ? JSON.stringify(body) : null,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 10_000} ms` : error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new NotificationError(`${method} ${shownUrl(url)} failed: ${why}.`);
  }
  if (response.status < 200 || response.status >= 300) throw new NotificationError(`${method} ${shownUrl(url)} answered ${response.status} ${response.statusText}.`);
}

/** Posts `text` to a Slack incoming webhook. */
export function sendSlack(url: string, text: string, options: SendOptions = {}): Promise<void> {
  return sendHttp('POST', url, {}, { text }, options);
}

/** An email to send. */
export interface Email {
  /** `smtp://user@host:port` or `smtps://user@host:port` (no password). */
  readonly smtp: string;
  readonly password?: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/**
 * Sends an email over SMTP; unless `allowPrivateUrls`, not to a private, loopback or link-local host.
 * @throws NotificationError with the server's reason (never the password), or the refusal of a private host.
 */
export async function sendEmail(email: Email, options: SendOptions = {}): Promise<void> {
  let url: URL;
  try {
    url = new URL(email.smtp);
  } catch {
    throw new NotificationError('The SMTP address is not a URL (smtp://user@host:587).');
  }
  const secure = url.protocol === 'smtps:';
  const port = Number(url.port || (secure ? 465 : 587));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // As a webhook's URL: an automation must not reach (or port-scan, by its errors) the server's
  // own network. It connects to the address checked, so a second lookup cannot give another one.
  const allowPrivate = options.allowPrivateUrls ?? false;
  const [address] = allowPrivate ? [host] : await checkHost(host, `${url.protocol}//${url.host}`, false);
  const timeout = options.timeoutMs ?? 10_000;
  // Imported on first use: nodemailer is ~40 modules that every `weft run` would load otherwise.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: address ?? host,
    port,
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: email.password ?? '' } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // The certificate is checked against the name given, not the address connected to.
    tls: { rejectUnauthorized: url.searchParams.get('tls') !== 'insecure', ...(isIP(host) === 0 ? { servername: host } : {}) },
  });
  try {
    await transport.sendMail({
      from: email.from,
      to: [...email.to],
      subject: email.subject,
      text: email.text,
      ...(options.idempotencyKey ? { headers: { 'X-Weft-Idempotency-Key': options.idempotencyKey } } : {}),
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const clean = email.password ? why.split(email.password).join('***') : why;
    throw new NotificationError(`Sending email through ${url.hostname}:${port} failed: ${clean}`);
  } finally {
    transport.close();
  }
}
