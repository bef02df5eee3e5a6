import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { LocalFileStorage } from '../../src/results/local-file-storage.js';
import { defaultResultStorage, openResultStorage } from '../../src/results/open-result-storage.js';
import { S3Storage } from '../../src/results/s3-storage.js';

const home = '/tmp/weft-home-for-open';

describe('openResultStorage', () => {
  it('opens local:/abs/path as a LocalFileStorage there', () => {
    const s = openResultStorage('local:/var/results', { home });
    expect(s).toBeInstanceOf(LocalFileStorage);
    expect(s.descriptor).toBe('local:/var/results');
  });
  it('resolves local:relative against the current directory', () => {
    expect(openResultStorage('local:out/results', { home }).descriptor).toBe(`local:${resolve('out/results')}`);
  });
  it('opens local: (empty) as the default storage under home', () => {
    expect(openResultStorage('local:', { home }).descriptor).toBe(`local:${join(home, 'storage')}`);
  });
  it('opens s3://bucket/prefix?endpoint&region as an S3Storage whose descriptor round-trips', () => {
    const d = 's3://bucket/deep/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A9000&region=eu-west-1';
    const s = openResultStorage(d, { home });
    expect(s).toBeInstanceOf(S3Storage);
    expect((s as S3Storage).bucket).toBe('bucket');
    expect((s as S3Storage).prefix).toBe('deep/prefix');
    expect(s.descriptor).toBe(d);
    expect(openResultStorage('s3://b?endpoint=http://h:1&forcePathStyle=false', { home }).descriptor).toBe(
      's3://b?endpoint=http%3A%2F%2Fh%3A1&region=us-east-1&forcePathStyle=false',
    );
  });
  it('refuses credentials in an s3 descriptor, without printing them', () => {
    expect(() => openResultStorage('s3://AKID:SECRET@bucket/p', { home })).toThrow(/credentials/);
    expect(() => openResultStorage('s3://AKID:hunter2@bucket/p', { home })).not.toThrow(/hunter2/);
  });
  it('refuses credentials in the S3 endpoint (the descriptor, which the record keeps, would hold them)', () => {
    for (const endpoint of ['http://ak:s/ec@ret@127.0.0.1:9000', 'http://127.0.0.1:9000/?token=s3cr3t']) {
      expect(() => new S3Storage({ bucket: 'b', endpoint })).toThrow(UsageError);
      expect(() => new S3Storage({ bucket: 'b', endpoint })).not.toThrow(/ec@ret|s3cr3t/);
      expect(() => openResultStorage(`s3://b?endpoint=${encodeURIComponent(endpoint)}`, { home })).toThrow(/holds credentials/);
    }
  });
  it('refuses unknown schemes and parameters with a UsageError showing the accepted forms', () => {
    expect(() => openResultStorage('ftp://x', { home })).toThrow(UsageError);
    expect(() => openResultStorage('/plain/path', { home })).toThrow(/local:\/absolute\/path/);
    expect(() => openResultStorage('s3://b?secret=1', { home })).toThrow(/unknown parameter 'secret'/);
    expect(() => openResultStorage('s3://b?forcePathStyle=yes', { home })).toThrow(UsageError);
  });
});

describe('defaultResultStorage', () => {
  it('is a LocalFileStorage at home/storage', () => {
    const s = defaultResultStorage(home);
    expect(s).toBeInstanceOf(LocalFileStorage);
    expect(s.basePath).toBe(join(home, 'storage'));
  });
});
