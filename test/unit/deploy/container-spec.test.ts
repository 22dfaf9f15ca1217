import { describe, expect, it } from 'vitest';
import { oneOffContainerSpec, processContainerSpec } from '../../../src/deploy/container-spec.js';
import type { ReleaseRow } from '../../../src/store/releases.js';

const release: ReleaseRow = {
  id: 12,
  appId: 3,
  version: 7,
  image: 'paas-abc/blog:v7',
  config: { GREETING: 'hi' },
  formation: { web: { count: 2, command: 'node server.js' }, worker: { count: 1, command: null } },
  port: 5000,
  gitRev: 'f00d',
  buildId: 40,
  appJson: null,
  releaseCommand: null,
  description: 'Deploy f00d',
  actor: 'test',
  createdAt: '2026-12-01T00:00:00Z',
};

const base = {
  name: 'paas-abc-blog.web.1-0a0b0c',
  instance: 'abc',
  app: { id: 3, name: 'blog' },
  release,
  network: 'paas-abc',
  publishAddress: '0.0.0.0',
};

const labels = (type: string, index: number) => ({
  'paas.instance': 'abc',
  'paas.app': 'blog',
  'paas.app-id': '3',
  'paas.release': '7',
  'paas.process': type,
  'paas.index': String(index),
  'paas.role': 'process',
});

describe('processContainerSpec', () => {
  it('makes a web container: shell command, env, labels, its port, defaults', () => {
    expect(processContainerSpec({ ...base, type: 'web', index: 2, options: {} })).toEqual({
      name: 'paas-abc-blog.web.1-0a0b0c',
      Image: 'paas-abc/blog:v7',
      Cmd: ['/bin/sh', '-c', 'node server.js'],
      Env: ['GREETING=hi', 'PORT=5000', 'DYNO=web.2', 'GIT_REV=f00d'],
      Labels: labels('web', 2),
      ExposedPorts: { '5000/tcp': {} },
      StopTimeout: undefined,
      HostConfig: {
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 10 },
        NetworkMode: 'paas-abc',
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
        PidsLimit: 1024,
        SecurityOpt: ['no-new-privileges:true'],
      },
      NetworkingConfig: { EndpointsConfig: { 'paas-abc': { Aliases: ['blog.web.2'] } } },
    });
  });

  it("runs a type without a command as the image's CMD, exposes nothing and publishes nothing", () => {
    const spec = processContainerSpec({ ...base, type: 'worker', index: 1, options: { publish: [{ host: 8080, container: 5000 }] } });
    expect(spec.Cmd).toBeUndefined();
    expect(spec.ExposedPorts).toBeUndefined();
    expect(spec.HostConfig?.PortBindings).toBeUndefined();
  });

  it('applies ps, logs, resource, storage and published-port settings', () => {
    const spec = processContainerSpec({
      ...base,
      type: 'web',
      index: 1,
      options: {
        limits: { memory: 256 * 1024 * 1024, cpu: 0.5 },
        restartPolicy: { Name: 'always' },
        stopTimeout: 30,
        logMaxSize: undefined,
        binds: ['/var/lib/paas/storage/uploads:/app/uploads'],
        publish: [{ host: 8080, container: 5000 }],
      },
    });
    expect(spec.StopTimeout).toBe(30);
    expect(spec.ExposedPorts).toEqual({ '5000/tcp': {} });
    expect(spec.HostConfig).toEqual({
      RestartPolicy: { Name: 'always' },
      NetworkMode: 'paas-abc',
      PortBindings: { '5000/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
      LogConfig: { Type: 'json-file', Config: {} },
      PidsLimit: 1024,
      SecurityOpt: ['no-new-privileges:true'],
      Binds: ['/var/lib/paas/storage/uploads:/app/uploads'],
      Memory: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
    });
  });

  it('lays the app docker options over the defaults, keeping paas labels', () => {
    const spec = processContainerSpec({
      ...base,
      type: 'web',
      index: 1,
      options: { docker: { labels: { team: 'web' }, host: { ShmSize: 64 }, networks: [], hostNetwork: false } },
    });
    expect(spec.Labels).toEqual({ ...labels('web', 1), team: 'web' });
    expect(spec.HostConfig?.ShmSize).toBe(64);
    expect(spec.HostConfig?.PidsLimit).toBe(1024);
  });
});

describe('oneOffContainerSpec', () => {
  const input = {
    image: 'paas-abc/blog:v7',
    cmd: ['/bin/sh', '-c', 'ls'],
    env: ['A=1'],
    labels: { 'paas.role': 'run' },
    network: 'paas-abc',
    name: 'blog.run.1',
  };

  it('attaches output, takes no stdin unless given, and expires after the ttl', () => {
    expect(oneOffContainerSpec({ ...input, withStdin: false }, 60, 1_000_000)).toEqual({
      name: 'blog.run.1',
      Image: 'paas-abc/blog:v7',
      Cmd: ['/bin/sh', '-c', 'ls'],
      Env: ['A=1'],
      Labels: { 'paas.role': 'run', 'paas.expires-at': String(1000 + 60) },
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { NetworkMode: 'paas-abc', AutoRemove: false, PidsLimit: 1024, SecurityOpt: ['no-new-privileges:true'] },
    });
  });

  it("on the caller's terminal: a TTY, its TERM, stdin that never ends", () => {
    const spec = oneOffContainerSpec({ ...input, withStdin: false, terminal: { term: 'xterm-256color' } }, 60, 0);
    expect(spec).toMatchObject({ Tty: true, OpenStdin: true, StdinOnce: false, AttachStdin: true, Env: ['A=1', 'TERM=xterm-256color'] });
  });

  it('with piped stdin: the input ends the session', () => {
    expect(oneOffContainerSpec({ ...input, withStdin: true }, 60, 0)).toMatchObject({
      Tty: false,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
    });
  });
});
