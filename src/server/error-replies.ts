/**
 * How errors become HTTP answers: 422 for a body or query that fails its schema (each field and
 * why; each unknown field of a strict body by name), 400 for malformed JSON, invalid UTF-8 or JSON nested too deep, 413 for a body over the limit (saying the limit), 404 for an
 * unknown id, 409 for a rule's refusal (naming the rule) or an id already taken, 503 when the database is down.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ArtifactNotFoundError, AutomationNotFoundError, AutomationValidationError, InvalidResumeLinkError, InvalidScheduleError, LimitExistsError, LimitNotFoundError, OrchestrationRuleError, ParameterValidationError, RequestBodyError, ResumeLinkExpiredError, RunExistsError, RunNotFoundError, SecretAccessError, SecretNotFoundError, StoreError, UsageError, VariableExistsError, VariableNotFoundError, WeftError, WorkPoolExistsError, WorkPoolNotFoundError } from '../errors.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly rule?: string;
  readonly issues?: readonly { readonly field: string; readonly reason: string }[];
}

/** The field names of an `unrecognized_keys` issue's params, or none. */
function unknownKeys(params: unknown): string[] {
  const keys = (params as { keys?: unknown } | undefined)?.keys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** Status and body for an error thrown by a handler or by Fastify. */
export function errorReply(error: unknown, bodyLimit: number): { status: number; body: ErrorBody } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'body';
    const issues = error.validation.flatMap((v) => {
      const path = [context, ...String(v.instancePath).split('/').filter(Boolean)];
      // A strict object's unknown fields: one issue per field, named, so a misspelt field is found.
      const unknown = v.keyword === 'unrecognized_keys' ? unknownKeys(v.params) : [];
      if (unknown.length > 0) return unknown.map((key) => ({ field: [...path, key].join('.'), reason: 'unknown field: remove it or check its spelling' }));
      return [{ field: path.join('.'), reason: v.message ?? 'invalid' }];
    });
    const list = issues.map((i) => `${i.field}: ${i.reason}`).join('; ');
    return { status: 422, body: { error: 'ValidationError', message: `The request does not match the API schema: ${list}.`, issues } };
  }
  if (error instanceof InvalidResumeLinkError) return { status: 403, body: { error: error.name, message: error.message } };
  if (error instanceof ResumeLinkExpiredError) return { status: 410, body: { error: error.name, message: error.message } };
  if (error instanceof LimitNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof AutomationNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof AutomationValidationError) return { status: 422, body: { error: error.name, message: error.message, issues: [{ field: error.field, reason: error.reason }] } };
  if (error instanceof LimitExistsError) return { status: 409, body: { error: error.name, message: error.message } };
  if (error instanceof ArtifactNotFoundError || error instanceof VariableNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof VariableExistsError) return { status: 409, body: { error: error.name, message: error.message } };
  if (error instanceof SecretNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof SecretAccessError) return { status: 403, body: { error: error.name, message: error.message } };
  if (error instanceof RunNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof ParameterValidationError) {
    return { status: 422, body: { error: error.name, message: error.message, issues: error.issues.map((i) => ({ field: i.path || '(root)', reason: i.message })) } };
  }
  if (error instanceof OrchestrationRuleError) return { status: 409, body: { error: error.name, message: error.message, rule: error.rule } };
  if (error instanceof RunExistsError) return { status: 409, body: { error: error.name, message: error.message } };
  if (error instanceof WorkPoolNotFoundError) return { status: 404, body: { error: error.name, message: error.message } };
  if (error instanceof WorkPoolExistsError) return { status: 409, body: { error: error.name, message: error.message } };
  if (error instanceof RequestBodyError) return { status: 400, body: { error: error.name, message: error.message } };
  if (error instanceof InvalidScheduleError) {
    return { status: 422, body: { error: error.name, message: error.message, issues: [{ field: 'body.schedule', reason: error.reason }] } };
  }
  if (error instanceof UsageError) return { status: 400, body: { error: error.name, message: error.message } };
  if (error instanceof StoreError) {
    return { status: 503, body: { error: error.name, message: `The database is unavailable: ${error.message}` } };
  }
  if (error instanceof WeftError) return { status: 500, body: { error: error.name, message: error.message } };
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      body: { error: 'PayloadTooLarge', message: `The request body is larger than the limit of ${bodyLimit} bytes. Send smaller batches, or raise WEFT_SERVER_BODY_LIMIT_BYTES.` },
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const malformed = fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError;
    return {
      status,
      body: { error: malformed ? 'MalformedJson' : 'BadRequest', message: malformed ? `The body is not valid JSON: ${fastifyError.message ?? ''}` : (fastifyError.message ?? 'Bad request') },
    };
  }
  return { status: 500, body: { error: 'InternalError', message: error instanceof Error ? error.message : String(error) } };
}

/** A Fastify error handler that answers with `errorReply`. */
export function errorHandler(bodyLimit: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const { status, body } = errorReply(error, bodyLimit);
    if (status >= 500) request.log.error({ err: error }, body.message);
    if (status === 503) void reply.header('retry-after', '1');
    return reply.status(status).send(body);
  };
}
