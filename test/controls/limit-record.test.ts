import { vi } from 'vitest';
import { usePostgres } from '../helpers/postgres.js';
import { postgresTestRecord, sqliteTestRecord } from '../helpers/test-records.js';
import { limitRecordConformance } from './limit-record-conformance.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

limitRecordConformance('SQLite on its thread', () => sqliteTestRecord('limits'));

const postgres = usePostgres();

limitRecordConformance('Postgres', () => postgresTestRecord(() => postgres().createDatabase()));
