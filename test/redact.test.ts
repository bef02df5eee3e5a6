import { describe, expect, it } from 'vitest';
import { encodeUrlCredentials, redactSecrets } from '../src/redact.js';
import { parseRedisAddress } from '../src/runners/redis/redis-address.js';
import { loadSettings } from '../src/settings.js';
import { errorMessage, snapshot, Failed } from '../src/states.js';

describe('redactSecrets', () => {
  it.each([
    ["'redis://user:p/a@ss@127.0.0.1:6379' is not a Redis address", "'redis://user:***@127.0.0.1:6379' is not a Redis address", 'p/a@ss'],
    ['redis://user:p@ss@10.0.0.5:6379/0?queue=q', 'redis://user:***@10.0.0.5:6379/0?queue=q', 'p@ss'],
    ['rediss://:hunter2@h:1', 'rediss://***@h:1', 'hunter2'],
    ['https://ghp_token123@github.com/x', 'https://***@github.com/x', 'ghp_token123'],
    ['at postgres://weft:se#cr:et?x@db:5432/weft.', 'at postgres://weft:***@db:5432/weft.', 'se#cr:et?x'],
    ['(mongodb+srv://app:pw%40d@cluster0/x)', '(mongodb+srv://app:***@cluster0/x)', 'pw%40d'],
    ['s3://bucket/p?endpoint=http://ak:sk/1@127.0.0.1:9000&region=x', 's3://bucket/p?endpoint=http://ak:***@127.0.0.1:9000&region=x', 'sk/1'],
    ['postgres://db/weft?sslpassword=abc&application_name=w', 'postgres://db/weft?sslpassword=***&application_name=w', 'abc'],
    ['host=db user=weft password=hunter2 port=5432', 'host=db user=weft password=*** port=5432', 'hunter2'],
    ['https://b.s3/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d&X-Amz-Date=2026', 'https://b.s3/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=2026', 'f00d'],
    ['GET /api?access_token=tok-1&limit=5', 'GET /api?access_token=***&limit=5', 'tok-1'],
    ['GET /api?apikey=k3y-v4lue&api_key=other-v4lue', 'GET /api?apikey=***&api_key=***', 'v4lue'],
  ])('redacts %s', (input, expected, secret) => {
    const out = redactSecrets(input);
    expect(out).toBe(expected);
    expect(out).not.toContain(secret);
  });

  it('leaves text without credentials alone', () => {
    for (const text of ['Cannot reach Redis at redis://127.0.0.1:6379 (ECONNREFUSED)', 'x=1, y=2', 'local:/var/weft/storage', 'Flow run finished']) {
      expect(redactSecrets(text)).toBe(text);
    }
  });

  it('is what error messages and recorded state messages go through', () => {
    const error = new Error('cannot connect to postgres://weft:p/w@db:5432/weft');
    expect(errorMessage(error)).toBe('Error: cannot connect to postgres://weft:***@db:5432/weft');
    expect(Failed(error).message).not.toContain('p/w');
    expect(snapshot({ type: 'CANCELLED', name: 'Cancelled', message: 'by redis://:tok@h', timestamp: '' }).message).toBe('by redis://***@h');
  });
});

describe('encodeUrlCredentials', () => {
  it('percent-encodes a userinfo written without encoding, up to the last @', () => {
    const url = new URL(encodeUrlCredentials('redis://user:p/a@ss#1?@127.0.0.1:6379/2?queue=q'));
    expect([url.hostname, url.port, url.pathname, url.searchParams.get('queue')]).toEqual(['127.0.0.1', '6379', '/2', 'q']);
    expect(decodeURIComponent(url.password)).toBe('p/a@ss#1?');
  });

  it('leaves a URL that needs nothing as it is', () => {
    for (const url of ['redis://h:1', 'redis://u:p%2F@h:1/0', 'postgres://weft@db/weft']) expect(encodeUrlCredentials(url)).toBe(url);
  });

  it('lets a Redis address carry a password with / @ : # ? unencoded, and never prints it', () => {
    const address = parseRedisAddress('redis://app:p/a@s:s#?@10.0.0.5:6380/3?queue=jobs', loadSettings({}));
    expect(address.connection).toMatchObject({ host: '10.0.0.5', port: 6380, db: 3, username: 'app', password: 'p/a@s:s#?' });
    expect(address.queue).toBe('jobs');
    expect(address.redacted).toBe('redis://app:***@10.0.0.5:6380/3?queue=jobs');
  });

  it('keeps the secret out of the errors of an address that does not parse', () => {
    for (const bad of ['redis://user:p/a@ss@', 'redis://user:p/a@ss@host:notaport', 'redis://user:p/a@ss@h:1/x']) {
      let message = '';
      try {
        parseRedisAddress(bad, loadSettings({}));
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/Redis address|database number/);
      expect(message).not.toContain('p/a');
      expect(message).not.toContain('a@ss');
    }
  });
});
