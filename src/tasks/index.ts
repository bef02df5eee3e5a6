/**
 * `weft/tasks`: tasks users otherwise write by hand, each a real task (recorded, retried,
 * logged, cancellable) that runs in a flow, outside one, or on a cluster's workers.
 * @example
 * import { shell, httpRequest } from 'weft/tasks';
 */
export { shell, type ShellOptions, type ShellResult } from './shell.js';
export { httpRequest, type HttpRequestOptions, type HttpResponse } from './http-request.js';
export { slackMessage, type SlackMessage } from './slack-message.js';
export { sqlQuery, type SqlQueryOptions, type SqlQueryResult } from './sql-query.js';
export { s3Upload, s3Download, s3List, type S3Target, type S3UploadOptions, type S3DownloadOptions, type S3ListOptions, type S3ObjectInfo } from './s3.js';
export { sendEmail, type EmailMessage, type EmailReceipt } from './send-email.js';
