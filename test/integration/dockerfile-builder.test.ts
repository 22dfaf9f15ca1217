import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, BuildOutput, buildDockerfileImage, exposedTcpPorts } from '../../src/build/dockerfile-builder.js';
import { UserError } from '../../src/core/errors.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../fixtures/images.js';
import { ROOT, freePort } from './harness.js';

const docker = new Docker();
const RUN_ID = `${process.pid}-${Date.now()}`;
const LABELS = { 'paas-test-build': RUN_ID };
const work = mkdtempSync(join(tmpdir(), 'paas-dockerfile-builder-'));
const containers: Docker.Container[] = [];
let repoCount = 0;

const tagFor = (name: string): string => `paas-test-build/${name}:${RUN_ID}`;

/** A git repo holding `files` (or a copy of a fixture app), archived like a push: its tar path. */
function archive(source: Record<string, string> | string): string {
  const repo = join(work, `repo-${++repoCount}`);
  if (typeof source === 'string') {
    cpSync(source, repo, { recursive: true });
  } else {
    for (const [name, content] of Object.entries(source)) {
      mkdirSync(dirname(join(repo, name)), { recursive: true });
      writeFileSync(join(repo, name), content);
    }
  }
  const git = (...args: string[]): Buffer => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'test');
  const tarPath = `${repo}.tar`;
  writeFileSync(tarPath, git('archive', '--format=tar', 'HEAD'));
  return tarPath;
}

interface Build {
  lines: string[];
  result?: Awaited<ReturnType<typeof buildDockerfileImage>>;
  error?: unknown;
}

async function build(
  name: string,
  source: Record<string, string> | string,
  extra: Partial<Parameters<typeof buildDockerfileImage>[1]> = {},
): Promise<Build> {
  const lines: string[] = [];
  const outcome: Build = { lines };
  try {
    outcome.result = await buildDockerfileImage(docker, {
      tarPath: archive(source),
      tag: tagFor(name),
      labels: LABELS,
      onLine: (line) => lines.push(line),
      ...extra,
    });
  } catch (error) {
    outcome.error = error;
  }
  return outcome;
}

async function tagExists(tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await ensureBusyboxImage(docker);
});

afterAll(async () => {
  for (const container of containers) await container.remove({ force: true }).catch(() => undefined);
  const images = await docker.listImages({ filters: { label: [`paas-test-build=${RUN_ID}`] } });
  for (const image of images)
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('buildDockerfileImage', () => {
  it('builds the hello app: streams lines, returns the image id and EXPOSEd ports', async () => {
    const { lines, result, error } = await build('hello', join(ROOT, 'test/fixtures/apps/hello'));
    expect(error).toBeUndefined();
    expect(result!.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result!.exposedPorts).toEqual([5000]);
    // Five instructions, plus the LABEL step the Engine adds for the `labels` option.
    expect(lines).toContain(`Step 1/6 : FROM ${BUSYBOX_IMAGE}`);
    expect(lines).toContain('Step 5/6 : CMD httpd -f -v -p ${PORT:-5000} -h /www');
    expect(lines).toContain(`Step 6/6 : LABEL paas-test-build=${RUN_ID}`);
    expect(lines.some((line) => /^Successfully built [0-9a-f]{12}$/.test(line))).toBe(true);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);

    const image = await docker.getImage(tagFor('hello')).inspect();
    expect(image.Id).toBe(result!.imageId);
    expect(image.Config.Labels).toMatchObject(LABELS);
  });

  it('the hello app serves "hello from paas" on $PORT and shows its env through CGI', async () => {
    const hostPort = await freePort();
    const container = await docker.createContainer({
      Image: tagFor('hello'),
      Env: ['PORT=5123', 'GREETING=hi there'],
      Labels: LABELS,
      ExposedPorts: { '5123/tcp': {} },
      HostConfig: { PortBindings: { '5123/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] } },
    });
    containers.push(container);
    await container.start();
    const get = async (path: string): Promise<string> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const response = await fetch(`http://127.0.0.1:${hostPort}${path}`);
          return await response.text();
        } catch (error) {
          if (attempt > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    expect(await get('/')).toBe('hello from paas\n');
    const env = await get('/cgi-bin/env');
    expect(env).toContain('GREETING=hi there\n');
    expect(env).toContain('PORT=5123\n');
  });

  it('fails at a RUN step with one line naming the step, after streaming its output', async () => {
    const { lines, result, error } = await build('broken', join(ROOT, 'test/fixtures/apps/broken'));
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      'build failed at step 2/3 (RUN echo "this build is meant to fail" && exit 3): ' +
        `The command '/bin/sh -c echo "this build is meant to fail" && exit 3' returned a non-zero code: 3`,
    );
    expect(lines).toContain('this build is meant to fail');
    expect(await tagExists(tagFor('broken'))).toBe(false);
  });

  it('fails clearly on a Dockerfile parse error (HTTP 400 from the Engine)', async () => {
    const { error } = await build('parse-error', { Dockerfile: `FROM ${BUSYBOX_IMAGE}\nFOO bar\n` });
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as Error).message).toMatch(/^build failed: Dockerfile parse error line 2: unknown instruction: FOO$/i);
  });

  it('names a failing COPY step and reads a Dockerfile at a custom path', async () => {
    const { error } = await build(
      'copy-missing',
      { 'docker/web.Dockerfile': `FROM ${BUSYBOX_IMAGE}\nCOPY not-there.txt /app/\n` },
      { dockerfile: 'docker/web.Dockerfile' },
    );
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as Error).message).toMatch(/^build failed at step 2\/3 \(COPY not-there\.txt \/app\/\): COPY failed: .*not-there\.txt/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('says to add a Dockerfile or use buildpacks when there is none', async () => {
    const { error, lines } = await build('no-dockerfile', { 'index.html': 'hi\n' });
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      'no Dockerfile in the pushed code (looked for "Dockerfile"); add a Dockerfile at the repository root, ' +
        'or use buildpacks to build this app instead',
    );
    expect(lines).toEqual([]);
  });

  it('leaves out what .dockerignore excludes, yet still reads an ignored Dockerfile', async () => {
    const { lines, error } = await build('dockerignore', {
      Dockerfile: `FROM ${BUSYBOX_IMAGE}\nCOPY . /app\nRUN cd /app && find . -type f | sort | sed 's/^/listed: /'\n`,
      '.dockerignore': '# secrets and noise\n*.env\nlogs\n!logs/keep.log\nDockerfile\n.dockerignore\n',
      'keep.txt': 'k\n',
      'prod.env': 'SECRET=1\n',
      'logs/a.log': 'a\n',
      'logs/keep.log': 'k\n',
      'src/app.js': 'console.log(1)\n',
    });
    expect(error).toBeUndefined();
    const listed = lines.filter((line) => line.startsWith('listed: ')).map((line) => line.slice(8));
    expect(listed).toEqual(['./keep.txt', './logs/keep.log', './src/app.js']);
  });

  it('passes build args to the build and streams output while the build runs', async () => {
    const seen: Array<{ line: string; at: number }> = [];
    const { result, error } = await build(
      'build-args',
      { Dockerfile: `FROM ${BUSYBOX_IMAGE}\nARG GREETING\nRUN echo "greeting=$GREETING" && sleep 2 && echo finished\n` },
      { buildArgs: { GREETING: 'hello world' }, onLine: (line) => seen.push({ line, at: Date.now() }) },
    );
    const finishedAt = Date.now();
    expect(error).toBeUndefined();
    expect(result!.exposedPorts).toEqual([]);
    const greeting = seen.find((entry) => entry.line === 'greeting=hello world');
    expect(greeting).toBeDefined();
    expect(finishedAt - greeting!.at).toBeGreaterThanOrEqual(1500);
  });

  it('stops the build when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const { error } = await build(
      'aborted',
      { Dockerfile: `FROM ${BUSYBOX_IMAGE}\nRUN echo sleeping && sleep 60\n` },
      {
        signal: controller.signal,
        onLine: (line) => {
          if (line === 'sleeping') controller.abort();
        },
      },
    );
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await tagExists(tagFor('aborted'))).toBe(false);
  });
});

// The progress decoder is pure; these cases are hard to provoke from a real Engine.
describe('BuildOutput', () => {
  const decode = (chunks: ReadonlyArray<string | Buffer>) => {
    const lines: string[] = [];
    const output = new BuildOutput((line) => lines.push(line));
    for (const chunk of chunks) output.write(chunk);
    return { lines, outcome: output.end() };
  };

  it('joins JSON objects and UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('{"stream":"Step 1/2 : FROM x\\n"}\r\n{"stream":"héllo ✓\\n"}\r\n');
    const cut = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte character
    const { lines } = decode([bytes.subarray(0, 7), bytes.subarray(7, cut), bytes.subarray(cut)]);
    expect(lines).toEqual(['Step 1/2 : FROM x', 'héllo ✓']);
  });

  it('holds a partial stream line until its end, and flushes it at the end', () => {
    const { lines } = decode(['{"stream":"one\\ntw"}\n', '{"stream":"o\\nthree"}\n']);
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('passes non-JSON lines on as text instead of throwing', () => {
    const { lines, outcome } = decode(['not json\n{"stream":"ok\\n"}\n[1,2\n']);
    expect(lines).toEqual(['not json', 'ok', '[1,2']);
    expect(outcome.error).toBeUndefined();
  });

  it('shows a status line once per change, and takes the image id from aux', () => {
    const { lines, outcome } = decode([
      '{"status":"Pulling from library/x","id":"latest"}\n',
      '{"status":"Downloading","progressDetail":{"current":1},"progress":"[=> ]","id":"abc"}\n',
      '{"status":"Downloading","progressDetail":{"current":2},"progress":"[==> ]","id":"abc"}\n',
      '{"status":"Pull complete","id":"abc"}\n',
      '{"aux":{"ID":"sha256:0123"}}\n',
    ]);
    expect(lines).toEqual(['latest: Pulling from library/x', 'abc: Downloading', 'abc: Pull complete']);
    expect(outcome.imageId).toBe('sha256:0123');
  });

  it('records the first error with the step that was running', () => {
    const { outcome } = decode([
      '{"stream":"Step 2/3 : RUN false\\n"}\n',
      '{"errorDetail":{"code":1,"message":"it broke"},"error":"it broke"}\n',
      '{"error":"later"}\n',
    ]);
    expect(outcome.step).toEqual({ index: 2, total: 3, instruction: 'RUN false' });
    expect(outcome.error).toBe('it broke');
    expect(new BuildFailedError(outcome.error!, outcome.step).message).toBe('build failed at step 2/3 (RUN false): it broke');
  });
});

describe('exposedTcpPorts', () => {
  it('keeps TCP ports, ascending and unique', () => {
    expect(exposedTcpPorts({ '8080/tcp': {}, '53/udp': {}, '5000': {}, '5000/tcp': {}, 'junk/tcp': {} })).toEqual([5000, 8080]);
    expect(exposedTcpPorts(undefined)).toEqual([]);
  });
});
