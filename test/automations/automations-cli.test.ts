/**
 * `weft notify add` and `weft automations ls | create | disable | enable | delete` on a local record
 * (real CLI processes over a temp WEFT_HOME).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWeft, tempHome } from '../cli/harness.js';

const home = tempHome();
beforeAll(() => assertBuilt());
afterAll(() => home.remove());

const weft = (...args: string[]) => startWeft(home.path, args).done;

describe('weft automations and weft notify', { timeout: 120_000 }, () => {
  it('adds a Slack notification, lists it without its URL, disables, enables and deletes it', async () => {
    const added = await weft('notify', 'add', '--on', 'Failed,Crashed', '--slack', 'https://hooks.slack.com/services/T0/B0/SECRET', '--tag', 'prod', '--json');
    expect(added.code, added.stderr).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const listed = await weft('automations', 'ls');
    expect(listed.stdout).toContain('notify on Failed, Crashed tagged prod');
    expect(listed.stdout).not.toContain('SECRET');
    const json = await weft('automations', 'ls', '--json');
    expect(json.stdout).not.toContain('SECRET');
    const [automation] = JSON.parse(json.stdout) as { trigger: { expect: string[]; matchRelated: unknown } }[];
    expect(automation?.trigger.expect).toEqual(['weft.flow-run.Failed', 'weft.flow-run.Crashed']);
    expect((await weft('automations', 'disable', id)).stdout).toContain('disabled');
    expect((await weft('automations', 'enable', id)).stdout).toContain('enabled');
    expect((await weft('automations', 'delete', id)).code).toBe(0);
    expect((await weft('automations', 'ls')).stdout).toContain('No automations');
  });

  it('creates one from a file, and refuses an empty trigger naming the field (exit 2)', async () => {
    const good = join(home.path, 'good.json');
    writeFileSync(good, JSON.stringify({ name: 'late runs', trigger: { type: 'event', expect: ['weft.flow-run.Late'] }, actions: [{ type: 'webhook', url: 'https://example.com/hook' }] }));
    const created = await weft('automations', 'create', good);
    expect(created.code, created.stderr).toBe(0);
    const bad = join(home.path, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'everything', trigger: { type: 'event' }, actions: [{ type: 'webhook', url: 'https://example.com/hook' }] }));
    const refused = await weft('automations', 'create', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('trigger.expect');
    const unknownFlag = await weft('notify', 'add', '--on', 'Failed');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain('--slack');
  });

  it('refuses a name several automations share (exit 2, listing their ids) and takes an id prefix as ls prints it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const added = await weft('notify', 'add', '--on', 'Failed', '--webhook', 'https://example.com/hook', '--name', 'twin', '--json');
      expect(added.code, added.stderr).toBe(0);
      ids.push((JSON.parse(added.stdout) as { id: string }).id);
    }
    for (const verb of ['delete', 'enable', 'disable']) {
      const refused = await weft('automations', verb, 'twin');
      expect(refused.code, `${verb}: ${refused.stderr}`).toBe(2);
      expect(refused.stderr).toContain("2 automations are named 'twin'");
      for (const id of ids) expect(refused.stderr).toContain(id);
      expect(refused.stderr).toContain('Give the id');
    }
    const listed = await weft('automations', 'ls');
    const prefix = ids[0]?.slice(0, 8) ?? '';
    expect(listed.stdout).toContain(prefix);
    const disabled = await weft('automations', 'disable', prefix);
    expect(disabled.code, disabled.stderr).toBe(0);
    const json = JSON.parse((await weft('automations', 'ls', '--json')).stdout) as { id: string; enabled: boolean }[];
    expect(json.find((a) => a.id === ids[0])?.enabled).toBe(false);
    expect(json.find((a) => a.id === ids[1])?.enabled).toBe(true);
    const deleted = await weft('automations', 'delete', prefix);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(ids[0]);
    const rest = JSON.parse((await weft('automations', 'ls', '--json')).stdout) as { id: string }[];
    expect(rest.map((a) => a.id)).not.toContain(ids[0]);
    expect((await weft('automations', 'delete', 'twin')).code).toBe(0); // one left: the name is unique again
  });

  it('exits 2 for an automation that does not exist', async () => {
    for (const verb of ['delete', 'enable', 'disable']) {
      const missing = await weft('automations', verb, 'nosuch');
      expect(missing.code, missing.stderr).toBe(2);
      expect(missing.stderr).toContain("There is no automation 'nosuch'");
    }
  });

  it('refuses a device, a FIFO and a directory without reading them (exit 2)', async () => {
    const fifo = join(home.path, 'automation.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo, home.path]) {
      const refused = await weft('automations', 'create', file);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`${file} is not a regular file`);
    }
    const big = join(home.path, 'big.json');
    writeFileSync(big, ' '.repeat(1024 * 1024 + 1));
    const tooBig = await weft('automations', 'create', big);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain('is over 1048576 bytes');
  });

  it('notify add takes state names in any case as recorded, and refuses unknown states and non-http URLs (exit 2)', async () => {
    const added = await weft('notify', 'add', '--on', 'failed,CRASHED,timedout', '--webhook', 'http://127.0.0.1:9/hook', '--name', 'cases', '--json');
    expect(added.code, added.stderr).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const rows = JSON.parse((await weft('automations', 'ls', '--json')).stdout) as { id: string; trigger: { expect: string[] } }[];
    expect(rows.find((r) => r.id === id)?.trigger.expect).toEqual(['weft.flow-run.Failed', 'weft.flow-run.Crashed', 'weft.flow-run.TimedOut']);
    expect((await weft('automations', 'delete', id)).code).toBe(0);
    const bogus = await weft('notify', 'add', '--on', 'Failed,Bogus', '--slack', 'https://hooks.slack.com/services/T0/B0/X');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("'Bogus' is not a flow-run state name");
    expect(bogus.stderr).toContain('Failed, TimedOut, Cancelling, Cancelled, Crashed');
    for (const [flag, url] of [['--slack', 'notaurl-T0K3N'], ['--webhook', 'ftp://x/T0K3N']] as const) {
      const refused = await weft('notify', 'add', '--on', 'Failed', flag, url);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`${flag} must be an http:// or https:// URL`);
      expect(refused.stderr).not.toContain('T0K3N');
    }
    expect((JSON.parse((await weft('automations', 'ls', '--json')).stdout) as unknown[]).length).toBe(rows.length - 1); // nothing refused was stored
  });
});
