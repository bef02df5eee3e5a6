/** A plain BullMQ worker for the raw-queue floor: adds one to its job's number. */
import { Worker } from 'bullmq';

const [url = '', name = ''] = process.argv.slice(2);
const worker = new Worker(name, async (job) => (job.data as { x: number }).x + 1, { connection: { host: new URL(url).hostname, port: Number(new URL(url).port), maxRetriesPerRequest: null }, concurrency: 32 });
await worker.waitUntilReady();
process.send?.('ready');
