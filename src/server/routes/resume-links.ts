/**
 * Resume links: `POST /api/v1/flow-runs/{id}/resume-links` (with the API key) signs a link to
 * the run's waiting pause; `GET /api/v1/resume-links/{token}` shows what it would resume (the
 * pause's description and input schema) and changes nothing, so a chat app's link preview is
 * harmless; `POST /api/v1/resume-links/{token}` with `{ input }` or `{ reject }` resolves it.
 * The two `/resume-links/{token}` routes need no API key: the signature is the credential. A link
 * works once (the pause is then resolved: 409), and not after it expires (410). A person opens
 * the link's page (`/resume/{token}` in the web UI), which calls only these two routes.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunNotFoundError, RunNotPausedError } from '../../errors.js';
import { MAX_PAUSE_KEY_LENGTH, MAX_PAUSE_TIMEOUT_SECONDS } from '../../store/pauses.js';
import type { PauseRecord } from '../../store/pauses.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../event-bus.js';
import { MAX_RESUME_TOKEN_LENGTH, signResumeLink, verifyResumeLink } from '../resume-links.js';
import { errorSchema, idParamsSchema } from '../schemas.js';
import { pauseSchema, publishRunState, resolutionOf, resumeBodySchema } from './pauses.js';

/** How long a link works when the request does not say and its pause has no timeout: a day. */
export const DEFAULT_LINK_SECONDS = 86_400;

const tags = ['pauses'];
const errors = { 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 410: errorSchema, 422: errorSchema, 503: errorSchema };
const tokenParams = z.object({ token: z.string().min(1).max(MAX_RESUME_TOKEN_LENGTH) });
const linkSchema = z.object({ url: z.string(), pageUrl: z.string(), token: z.string(), flowRunId: z.string(), key: z.string(), expiresAt: z.string() });
const linkRunSchema = z.object({ id: z.string(), name: z.string(), flowName: z.string(), stateName: z.string() });
const createSchema = z.object({ key: z.string().min(1).max(MAX_PAUSE_KEY_LENGTH).optional(), expiresInSeconds: z.number().positive().max(MAX_PAUSE_TIMEOUT_SECONDS).optional() }).strict();

/** A signed link to a run's waiting pause. */
export interface PauseLink {
  readonly token: string;
  /** The pause's key. */
  readonly key: string;
  /** ISO 8601. */
  readonly expiresAt: string;
}

/**
 * Signs a link to flow run `flowRunId`'s waiting pause (the one named `key`, else the first); it
 * expires with the pause's timeout, or after `expiresInSeconds` (default a day) when sooner.
 * Undefined when the run waits on no such pause.
 * @example
 * const link = await signPauseLink(store, secret, Date.now(), runId);
 */
export async function signPauseLink(record: PauseRecord, secret: Buffer, nowMs: number, flowRunId: string, options: { readonly key?: string; readonly expiresInSeconds?: number } = {}): Promise<PauseLink | undefined> {
  const { key, expiresInSeconds } = options;
  const pause = (await record.listPauses(flowRunId)).find((p) => p.status === 'waiting' && (key === undefined || p.key === key));
  if (pause === undefined) return undefined;
  const until = pause.timeoutAt === null ? nowMs + DEFAULT_LINK_SECONDS * 1000 : Date.parse(pause.timeoutAt);
  const expiresAt = expiresInSeconds === undefined ? until : Math.min(until, nowMs + expiresInSeconds * 1000);
  return { token: signResumeLink(secret, { flowRunId, pauseId: pause.id, expiresAt }), key: pause.key, expiresAt: new Date(expiresAt).toISOString() };
}

/** The web UI's page of a resume link under `uiBase` (the UI's URL, e.g. `https://weft.example.com/weft`). */
export function resumePageUrl(uiBase: string, token: string): string {
  return `${uiBase.replace(/\/+$/, '')}/resume/${token}`;
}

/** Options of {@link resumeLinkRoutes}. */
export interface ResumeLinkRouteOptions {
  readonly secret: Buffer;
  readonly clock: Clock;
  /** The path the server is served under (links are built on it). @default '' */
  readonly pathPrefix?: string;
}

/** The resume-link routes over `record`. */
export function resumeLinkRoutes(record: Store & PauseRecord, bus: EventBus, options: ResumeLinkRouteOptions): FastifyPluginAsyncZod {
  const { secret, clock } = options;
  const claimsOf = (token: string): ReturnType<typeof verifyResumeLink> => verifyResumeLink(secret, token, clock.now());
  const pauseOf = async (token: string): Promise<{ flowRunId: string; pauseId: string; expiresAt: number; pause: z.infer<typeof pauseSchema> | undefined }> => {
    const claims = claimsOf(token);
    const pause = (await record.listPauses(claims.flowRunId)).find((p) => p.id === claims.pauseId);
    return { ...claims, pause };
  };
  return (app) => {
    app.post('/flow-runs/:id/resume-links', { schema: { tags, summary: "Sign a single-use link that resumes the run's waiting pause without the API key (for a notification)", params: idParamsSchema, body: createSchema, response: { 201: linkSchema, ...errors } } }, async (request, reply) => {
      const run = await record.readFlowRun(request.params.id);
      if (run === undefined) throw new RunNotFoundError(`There is no flow run ${request.params.id}. List runs with GET /api/v1/flow-runs.`);
      const { key, expiresInSeconds } = request.body;
      const link = await signPauseLink(record, secret, clock.now(), run.id, { ...(key === undefined ? {} : { key }), ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) });
      if (link === undefined) throw new RunNotPausedError(`Flow run '${run.name}' (${run.id}) is not waiting on ${key === undefined ? 'a pause' : `pause '${key}'`}: there is nothing to link to.`);
      const base = `${request.protocol}://${request.host}${options.pathPrefix ?? ''}`;
      return reply.status(201).send({ url: `${base}/api/v1/resume-links/${link.token}`, pageUrl: resumePageUrl(base, link.token), token: link.token, flowRunId: run.id, key: link.key, expiresAt: link.expiresAt });
    });

    app.get(
      '/resume-links/:token',
      { config: { public: true }, schema: { tags, summary: 'What a resume link resumes: the pause, its description and input schema (no API key: the signature is the credential; changes nothing)', params: tokenParams, response: { 200: pauseSchema.extend({ expiresAt: z.string(), run: linkRunSchema }), ...errors } } },
      async (request) => {
        const { pause, expiresAt, flowRunId } = await pauseOf(request.params.token);
        const run = await record.readFlowRun(flowRunId);
        if (pause === undefined || run === undefined) throw new RunNotFoundError(`The pause of flow run ${flowRunId} this link resumes is gone.`);
        return { ...pause, expiresAt: new Date(expiresAt).toISOString(), run: { id: run.id, name: run.name, flowName: run.flowName, stateName: run.state.name } };
      },
    );

    app.post(
      '/resume-links/:token',
      { config: { public: true }, schema: { tags, summary: 'Resume ({ input }) or reject ({ reject }) the pause a signed link names; works once (409 after), not after it expires (410)', params: tokenParams, body: resumeBodySchema, response: { 200: pauseSchema, ...errors } } },
      async (request) => {
        const { flowRunId, pauseId } = claimsOf(request.params.token);
        try {
          return await record.resumePause({ flowRunId, pauseId, resolution: resolutionOf(request.body), now: new Date(clock.now()).toISOString() });
        } finally {
          await publishRunState(record, bus, flowRunId);
        }
      },
    );
    return Promise.resolve();
  };
}
