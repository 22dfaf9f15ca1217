import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allowedEntry } from '../../../src/server-backup/archive.js';
import { renameImages, restoreTables, snapshotDatabase } from '../../../src/server-backup/database-copy.js';
import { parseManifest } from '../../../src/server-backup/manifest.js';
import { open, seal } from '../../../src/server-backup/secret-box.js';
import { Store } from '../../../src/store/store.js';

const scratch = mkdtempSync(join(tmpdir(), 'paas-backup-unit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('sealed secrets', () => {
  it('open gives back what seal took, only with the same passphrase', () => {
    const data = Buffer.from('DATABASE_URL=postgres://u:p@h/db');
    const sealed = seal(data, 'a long passphrase');
    expect(sealed.includes(data)).toBe(false);
    expect(open(sealed, 'a long passphrase')).toEqual(data);
    expect(() => open(sealed, 'another passphrase')).toThrow('wrong passphrase for this backup');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => open(tampered, 'a long passphrase')).toThrow('wrong passphrase for this backup (or the backup is damaged)');
    expect(() => open(Buffer.from('not sealed at all, just text here, long enough to pass'), 'x')).toThrow('not one paas wrote');
  });
});

describe('backup archive entries', () => {
  it('takes only the names paas writes, never a path out of the staging folder', () => {
    for (const name of ['manifest.json', 'paas.db.enc', 'images.tar', 'home/repos/blog.git/HEAD', 'data/postgres/db.dump.enc']) {
      expect(allowedEntry(name), name).toBe(true);
    }
    for (const name of ['/etc/passwd', 'home/../../etc/passwd', 'etc/shadow', 'home/./x', '../paas.db', 'paas.db/../x']) {
      expect(allowedEntry(name), name).toBe(false);
    }
  });

  it('reads a manifest paas wrote and refuses anything else', () => {
    const good = {
      format: 1,
      paas: '0.1.0',
      createdAt: 'now',
      instance: 'abcd1234',
      apps: ['blog'],
      sealed: true,
      withData: false,
      withImages: true,
    };
    expect(parseManifest(good)).toEqual(good);
    expect(() => parseManifest({ ...good, format: 2 })).toThrow('this backup has format 2, which this paas cannot read');
    expect(() => parseManifest({ ...good, instance: '../x' })).toThrow('no valid instance');
    expect(() => parseManifest([])).toThrow('not a paas server backup');
  });
});

describe('database copy', () => {
  it('a snapshot of a live database replaces every table of a fresh one, images renamed to the new install', async () => {
    const live = Store.open(join(scratch, 'live.db'));
    const app = live.apps.create('blog');
    live.configVars.set(app.id, { SECRET: 'x' });
    live.apiTokens.add('pusher', 'hash');
    live.db
      .prepare(
        "INSERT INTO releases (app_id, version, image, config, formation, port, description, actor, created_at) VALUES (?, 1, 'paas-old00000/blog:v1', '{}', '{}', 5000, 'Deploy', 'root', 'now')",
      )
      .run(app.id);
    await snapshotDatabase(live.db, join(scratch, 'snapshot.db'));
    live.close();

    const fresh = Store.open(join(scratch, 'fresh.db'));
    fresh.apps.create('leftover');
    const tables = restoreTables(fresh.db, join(scratch, 'snapshot.db'));
    expect(tables).toEqual(expect.arrayContaining(['apps', 'config_vars', 'releases', 'api_tokens', 'properties']));
    expect(tables).not.toContain('part_schemas');
    renameImages(fresh.db, 'old00000', 'new11111');
    expect(fresh.apps.list().map((a) => a.name)).toEqual(['blog']);
    expect(fresh.configVars.effective(fresh.apps.find('blog')!.id)).toMatchObject({ SECRET: 'x' });
    expect(fresh.releases.current(fresh.apps.find('blog')!.id)?.image).toBe('paas-new11111/blog:v1');
    fresh.close();
  });
});
