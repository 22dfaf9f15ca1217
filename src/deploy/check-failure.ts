import { Writable } from 'node:stream';
import { pinHost, pinnedRequest } from '../core/pinned-host.js';
import type { CheckFailureHook, HealthCheck } from './app-json.js';
import { LABELS } from './naming.js';
import { runOneOff } from './one-off.js';
import type { ContainerInspectInfo } from 'dockerode';
import type { DockerLocalScheduler, ProcessContainer } from './scheduler.js';

/** A hook may run this long (its container, or the POST). */
const HOOK_TTL_SECONDS = 120;
const POST_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT = 2_000;

/** What the onFailure url receives: docker-container-healthchecker's name and errors, plus where. */
export function failurePayload(app: string, process: ProcessContainer, check: HealthCheck, error: string) {
  return { name: check.name, errors: [error], app, process: `${process.type}.${process.index}`, container: process.id };
}

/**
 * app.json `onFailure` of a check that failed for good: its `command` runs in a one-off container
 * of the failed container's image and environment (never on the host: app.json is pushed code),
 * with PAAS_CHECK_NAME and PAAS_CHECK_ERROR set; then its `url` gets a JSON POST. Each line of
 * what happened goes to `report`. A hook that fails is reported, never thrown.
 */
export async function runFailureHook(
  scheduler: DockerLocalScheduler,
  process: ProcessContainer,
  check: HealthCheck,
  error: string,
  report: (line: string) => void,
): Promise<void> {
  const hook = check.onFailure;
  if (!hook) return;
  const info = await scheduler.docker
    .getContainer(process.id)
    .inspect()
    .catch(() => undefined);
  if (hook.command) {
    if (info) await runHookCommand(scheduler, info, hook, check, error, report);
    else report('onFailure command could not run: the container is gone');
  }
  if (hook.url) {
    const app = info?.Config.Labels[LABELS.app] ?? '';
    const problem = await postFailure(hook.url, failurePayload(app, process, check, error));
    report(problem ? `onFailure url ${hook.url}: ${problem}` : `onFailure url ${hook.url}: posted`);
  }
}

async function runHookCommand(
  scheduler: DockerLocalScheduler,
  info: ContainerInspectInfo,
  hook: CheckFailureHook,
  check: HealthCheck,
  error: string,
  report: (line: string) => void,
): Promise<void> {
  let output = '';
  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (output.length < OUTPUT_LIMIT) output += chunk.toString('utf8');
      callback();
    },
  });
  try {
    const code = await runOneOff(scheduler.docker, {
      image: info.Config.Image,
      cmd: hook.command,
      env: [...(info.Config.Env ?? []), `PAAS_CHECK_NAME=${check.name}`, `PAAS_CHECK_ERROR=${error}`],
      labels: {
        [LABELS.instance]: info.Config.Labels[LABELS.instance] ?? '',
        [LABELS.app]: info.Config.Labels[LABELS.app] ?? '',
        [LABELS.appId]: info.Config.Labels[LABELS.appId] ?? '',
        [LABELS.role]: 'one-off',
      },
      network: scheduler.network,
      stdout: collect,
      stderr: collect,
      ttlSeconds: HOOK_TTL_SECONDS,
    });
    for (const line of output.trimEnd().split('\n').filter(Boolean)) report(`onFailure: ${line}`);
    report(`onFailure command exited with code ${code}`);
  } catch (cause) {
    report(`onFailure command could not run: ${(cause as Error).message}`);
  }
}

/**
 * POSTs the payload; '' when the URL answered below 400, else why not. Private, loopback and
 * link-local addresses are refused (every address the name resolves to), and the POST goes to
 * the address that was checked (core/pinned-host.ts), so pushed code cannot make the daemon call
 * services of the server or its network, not even with a name whose next DNS answer changes.
 */
export async function postFailure(url: string, payload: object): Promise<string> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return 'only http and https URLs are posted to';
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const outcome = await pinHost(host, false);
  if ('refused' in outcome) {
    return outcome.refused === 'unresolvable'
      ? `${host} does not resolve (${outcome.code})`
      : `not posted: ${host} is a private or loopback address${outcome.address && outcome.address !== host ? ` (${outcome.address})` : ''}`;
  }
  const body = JSON.stringify(payload);
  return new Promise((resolve) => {
    const req = pinnedRequest(
      target,
      outcome.pin,
      {
        method: 'POST',
        timeout: POST_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve((res.statusCode ?? 0) < 400 ? '' : `answered HTTP ${res.statusCode}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (cause) => resolve(`not posted: ${cause.message}`));
    req.end(body);
  });
}
