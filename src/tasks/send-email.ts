/**
 * `sendEmail`: one email through an SMTP server (nodemailer). A connection that fails or a
 * temporary refusal (4xx) is retried twice; a permanent refusal (5xx, e.g. an unknown
 * recipient) fails at once. The SMTP URL's password never reaches a log or an error.
 */
import { fileURLToPath } from 'node:url';
import { createTransport } from 'nodemailer';
import { SendEmailError, UsageError } from '../errors.js';
import { redactSecrets } from '../redact.js';
import { getRunLogger } from '../sdk/run-logger.js';
import { taskIn } from '../sdk/task.js';

/** An email for {@link sendEmail}. */
export interface EmailMessage {
  /** `smtp://user:password@host:587` (STARTTLS when offered) or `smtps://…:465` (TLS). */
  readonly smtpUrl: string;
  readonly from: string;
  readonly to: string | readonly string[];
  readonly cc?: string | readonly string[];
  /** At most 998 characters. */
  readonly subject: string;
  /** Plain-text body (this or `html`, or both); at most 10 MiB. */
  readonly text?: string;
  readonly html?: string;
}

/** What the server accepted. */
export interface EmailReceipt {
  readonly messageId: string;
  readonly accepted: string[];
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;
const list = (value: string | readonly string[] | undefined): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : [...value]);

function check(message: EmailMessage): void {
  if (typeof message?.smtpUrl !== 'string' || !/^smtps?:\/\/[^/]+/.test(message.smtpUrl)) {
    throw new UsageError('sendEmail() needs smtpUrl: smtp://user:password@host:587 or smtps://user:password@host:465.');
  }
  const addresses = [message.from, ...list(message.to), ...list(message.cc)];
  const bad = addresses.find((a) => typeof a !== 'string' || !ADDRESS.test(a.replace(/^.*<(.*)>\s*$/, '$1')));
  if (bad !== undefined || list(message.to).length === 0 || addresses.length > 500) {
    throw new UsageError(`sendEmail() needs from and at least one (at most 499) to address, each like name@example.com${bad !== undefined ? ` (got ${JSON.stringify(bad)})` : ''}.`);
  }
  if (typeof message.subject !== 'string' || message.subject.length > 998) throw new UsageError('sendEmail() needs a subject of at most 998 characters.');
  if (message.text === undefined && message.html === undefined) throw new UsageError('sendEmail() needs a body: text, html or both.');
  if ((message.text?.length ?? 0) + (message.html?.length ?? 0) > 10 * 2 ** 20) throw new UsageError('sendEmail() body is above 10 MiB: attach large data by link instead.');
}

/** SMTP reply code of a failure, if the server sent one. */
function responseCode(error: unknown): number | undefined {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Sends an email and gives what the server accepted.
 * @throws SendEmailError with the server's reply (an unknown recipient, refused credentials) or why it could not be reached.
 * @example
 * await sendEmail({ smtpUrl: 'smtp://etl:pw@mail.example.com:587', from: 'etl@example.com', to: 'team@example.com', subject: 'Nightly load done', text: `${rows} rows` });
 */
export const sendEmail = taskIn(
  fileURLToPath(import.meta.url),
  {
    name: 'send-email',
    retries: 2,
    retryDelaySeconds: [2, 10],
    // Only what may pass: no reply (connection) or a temporary one (4xx). A 5xx will not change.
    retryCondition: (_task, _run, state) => {
      const code = responseCode((state.error as { cause?: unknown } | undefined)?.cause);
      return !(state.error instanceof UsageError) && (code === undefined || code < 500);
    },
  },
  async (message: EmailMessage): Promise<EmailReceipt> => {
    check(message);
    const where = redactSecrets(message.smtpUrl);
    const transport = createTransport(message.smtpUrl);
    try {
      const info = (await transport.sendMail({
        from: message.from,
        to: list(message.to),
        ...(message.cc === undefined ? {} : { cc: list(message.cc) }),
        subject: message.subject,
        ...(message.text === undefined ? {} : { text: message.text }),
        ...(message.html === undefined ? {} : { html: message.html }),
      })) as { messageId: string; accepted: (string | { address: string })[] };
      const accepted = info.accepted.map((a) => (typeof a === 'string' ? a : a.address));
      getRunLogger('weft.tasks.email').info("Sent '%s' to %s through %s", message.subject, accepted.join(', '), where);
      return { messageId: info.messageId, accepted };
    } catch (error) {
      const code = responseCode(error);
      const said = error instanceof Error ? redactSecrets(error.message) : String(error);
      throw new SendEmailError(`Sending '${message.subject}' through ${where} failed${code ? ` (SMTP ${code})` : ''}: ${said}`, { cause: error });
    } finally {
      transport.close();
    }
  },
);
