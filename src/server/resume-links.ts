/**
 * Signed, single-use resume links: a URL that resumes (or rejects) one pause of one flow run
 * without the API key, because its HMAC-SHA256 signature (a server secret) is the credential, so
 * a notification can carry it (approve from Slack or email). A link names the pause by its id
 * and expires; it is single-use because a pause is resolved once (a second use is a 409).
 *
 * The secret is `WEFT_SERVER_RESUME_LINK_SECRET` when set, else 32 random bytes kept in
 * `WEFT_HOME/resume-link.key` (mode 0600, made on first start), so links survive a restart and
 * every server on the same home signs alike.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidResumeLinkError, ResumeLinkExpiredError } from '../errors.js';

/** What a resume link stands for. */
export interface ResumeLinkClaims {
  readonly flowRunId: string;
  readonly pauseId: string;
  /** When it stops working, ms since epoch. */
  readonly expiresAt: number;
}

/** Longest token accepted (a token is about 200 characters). */
export const MAX_RESUME_TOKEN_LENGTH = 1_000;

const sign = (secret: Buffer, payload: string): Buffer => createHmac('sha256', secret).update(payload).digest();

/**
 * The token of a link: `payload.signature`, both base64url.
 * @example
 * const token = signResumeLink(secret, { flowRunId, pauseId, expiresAt: Date.now() + 86_400_000 });
 */
export function signResumeLink(secret: Buffer, claims: ResumeLinkClaims): string {
  const payload = Buffer.from(JSON.stringify({ r: claims.flowRunId, p: claims.pauseId, e: claims.expiresAt }), 'utf8').toString('base64url');
  return `${payload}.${sign(secret, payload).toString('base64url')}`;
}

/**
 * The claims of a token signed with `secret`.
 * @throws InvalidResumeLinkError when it is malformed or its signature is wrong; ResumeLinkExpiredError after its time.
 */
export function verifyResumeLink(secret: Buffer, token: string, nowMs: number): ResumeLinkClaims {
  const invalid = (): InvalidResumeLinkError => new InvalidResumeLinkError('This resume link is not valid (it was altered, or signed by another server). Ask for a new link.');
  const [payload, signature, extra] = token.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined || token.length > MAX_RESUME_TOKEN_LENGTH) throw invalid();
  const given = Buffer.from(signature, 'base64url');
  const expected = sign(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let claims: { r?: unknown; p?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw invalid();
  }
  if (typeof claims.r !== 'string' || typeof claims.p !== 'string' || typeof claims.e !== 'number') throw invalid();
  if (nowMs >= claims.e) throw new ResumeLinkExpiredError(`This resume link expired at ${new Date(claims.e).toISOString()}. Ask for a new link.`);
  return { flowRunId: claims.r, pauseId: claims.p, expiresAt: claims.e };
}

/**
 * The secret resume links are signed with: `configured` when not empty, else the key file under
 * `home` (made with 32 random bytes, mode 0600, when missing).
 * @example
 * const secret = resumeLinkSecret(settings.home, settings.server.resumeLinkSecret);
 */
export function resumeLinkSecret(home: string, configured: string): Buffer {
  if (configured !== '') return Buffer.from(configured, 'utf8');
  const file = join(home, 'resume-link.key');
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another server made it first
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}
