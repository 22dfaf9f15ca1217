import { describe, expect, it } from 'vitest';
import { backupReport, parseAuth } from '../../../src/backups/backup-commands.js';
import {
  backupName,
  describeDestination,
  isEncryptedName,
  isInside,
  parseDestination,
  parseLocation,
} from '../../../src/backups/destination.js';
import { describeS3Error } from '../../../src/backups/object-store.js';
import { assertBackupSchedule } from '../../../src/backups/schedule.js';

describe('backup destinations', () => {
  it('reads buckets, prefixes and server folders', () => {
    expect(parseDestination('my-backups')).toEqual({ kind: 's3', bucket: 'my-backups', prefix: '' });
    expect(parseDestination('s3://my.backups/nightly/pg/')).toEqual({ kind: 's3', bucket: 'my.backups', prefix: 'nightly/pg/' });
    expect(parseDestination('file:///var/backups/paas/')).toEqual({ kind: 'file', folder: '/var/backups/paas' });
    expect(parseDestination('file:///var/backups/../lib/x')).toEqual({ kind: 'file', folder: '/var/lib/x' });
    expect(describeDestination(parseDestination('b1b/x'))).toBe('s3://b1b/x/');
  });

  it('refuses what is not a bucket or an absolute folder', () => {
    for (const bad of [
      '',
      'ab',
      'Bad_Bucket',
      'a..b',
      '-bucket',
      'bucket/../x',
      'bucket/a b',
      'file://relative',
      'file:',
      'file:///',
      'file:///a\0b',
    ]) {
      expect(() => parseDestination(bad), bad).toThrow(/invalid|cannot go to \//);
    }
  });

  it('reads one backup to restore', () => {
    expect(parseLocation('bk1/nightly/postgres-db-2026-12-01-03-00-00.dump')).toEqual({
      kind: 's3',
      bucket: 'bk1',
      key: 'nightly/postgres-db-2026-12-01-03-00-00.dump',
    });
    expect(parseLocation('file:///var/backups/x.dump.gpg')).toEqual({ kind: 'file', path: '/var/backups/x.dump.gpg' });
    expect(() => parseLocation('bk1')).toThrow(/names a bucket but no object/);
  });

  it('names backups by plugin, service and UTC time, .gpg when encrypted', () => {
    const at = new Date('2026-12-01T03:04:05.678Z');
    expect(backupName('postgres', 'blog-db', at, 'dump', false)).toBe('postgres-blog-db-2026-12-01-03-04-05.dump');
    expect(backupName('redis', 'cache', at, 'rdb', true)).toBe('redis-cache-2026-12-01-03-04-05.rdb.gpg');
    expect(isEncryptedName('x.dump.gpg')).toBe(true);
    expect(isEncryptedName('x.dump')).toBe(false);
  });

  it('knows what is inside a folder', () => {
    expect(isInside('/var/lib/paas/backups', '/var/lib/paas/backups')).toBe(true);
    expect(isInside('/var/lib/paas/backups', '/var/lib/paas/backups/a/b')).toBe(true);
    expect(isInside('/var/lib/paas/backups', '/var/lib/paas/backups-other')).toBe(false);
    expect(isInside('/var/lib/paas/backups', '/var/lib/paas')).toBe(false);
    expect(isInside('/var/lib/paas/backups', '/etc/passwd')).toBe(false);
  });
});

describe('backup-auth arguments', () => {
  it('defaults region and signature; keeps an endpoint without a trailing slash', () => {
    expect(parseAuth('KEY', 'SECRET', undefined, undefined, undefined, false)).toEqual({
      accessKeyId: 'KEY',
      secretAccessKey: 'SECRET',
      region: 'us-east-1',
      signatureVersion: 's3v4',
    });
    expect(parseAuth('K', 'S', 'eu-west-1', 's3v4', 'https://minio.example.com/', false).endpoint).toBe('https://minio.example.com');
  });

  it('refuses old signatures, odd endpoints, and private endpoints from remote callers', () => {
    expect(() => parseAuth('K', 'S', 'us-east-1', 's3', undefined, true)).toThrow(/not supported/);
    expect(() => parseAuth('K', 'S', 'US East', undefined, undefined, true)).toThrow(/invalid region/);
    expect(() => parseAuth('K', 'two words', undefined, undefined, undefined, true)).toThrow(/printable characters without spaces/);
    expect(() => parseAuth('K', 'S', 'us-east-1', 's3v4', 'https://user:pw@minio.example.com', true)).toThrow(/without credentials/);
    expect(() => parseAuth('K', 'S', 'us-east-1', 's3v4', 'file:///etc', true)).toThrow(/invalid endpoint/);
    for (const host of ['http://127.0.0.1:9000', 'http://localhost', 'http://10.1.2.3', 'http://[::1]:9000']) {
      expect(() => parseAuth('K', 'S', 'us-east-1', 's3v4', host, false), host).toThrow(/private or loopback/);
      expect(parseAuth('K', 'S', 'us-east-1', 's3v4', host, true).endpoint, host).toBeTruthy();
    }
  });
});

describe('backup schedules', () => {
  it('takes five or six fields and macros', () => {
    expect(assertBackupSchedule(' 0 3 * * * ')).toBe('0 3 * * *');
    expect(assertBackupSchedule('*/10 * * * * *')).toBe('*/10 * * * * *');
    expect(assertBackupSchedule('@daily')).toBe('@daily');
  });

  it('refuses others', () => {
    expect(() => assertBackupSchedule('* * *')).toThrow(/five fields/);
    expect(() => assertBackupSchedule('* * * * * * *')).toThrow(/five fields/);
    expect(() => assertBackupSchedule('61 * * * *')).toThrow(/not a cron schedule/);
  });
});

describe('backup report', () => {
  it('never shows the secret or the passphrase', () => {
    const report = backupReport(
      {
        auth: {
          accessKeyId: 'AKIAKEY',
          secretAccessKey: 'topsecret',
          region: 'us-east-1',
          signatureVersion: 's3v4',
          endpoint: 'https://m.example.com',
        },
        passphrase: 'very secret words',
        schedule: { cron: '0 3 * * *', destination: 'bk1', useIam: false },
        last: {
          status: 'failed',
          trigger: 'schedule',
          startedAt: 'a',
          finishedAt: 'b',
          destination: 'bk1',
          encrypted: true,
          error: 'ECONNREFUSED',
        },
      },
      null,
    );
    expect(JSON.stringify(report)).not.toMatch(/topsecret|very secret|AKIAKEY/);
    expect(report).toMatchObject({
      'Backup auth': 'set, region us-east-1, endpoint https://m.example.com',
      'Backup encryption': 'gpg passphrase',
      'Backup last status': 'failed',
      'Backup last error': 'ECONNREFUSED',
    });
    expect(backupReport({}, null)['Backup last status']).toBe('never run');
  });

  it('describes S3 and network errors in one line', () => {
    expect(describeS3Error(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED (the endpoint cannot be reached)',
    );
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(describeS3Error(denied)).toBe('AccessDenied: HTTP 403: Access Denied');
  });
});
