import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type Docker from 'dockerode';
import type { PropertiesTable } from '../store/properties.js';
import type { HealthCheck } from './app-json.js';
import { execText } from '../docker/exec.js';
import { setting } from './deploy-settings.js';
import { acceptsTcp, type ProcessContainer } from './scheduler.js';

/** app.json checks with `checks:set APP wait|timeout|attempts` filled in where app.json left them out. */
export function withCheckSettings(checks: readonly HealthCheck[], properties: PropertiesTable, appId: number): HealthCheck[] {
  const number = (name: 'checksWait' | 'checksTimeout' | 'checksAttempts') => {
    const value = Number(setting(properties, appId, name));
    return Number.isFinite(value) && value >= 0 && setting(properties, appId, name) !== undefined ? value : undefined;
  };
  const wait = number('checksWait');
  const timeout = number('checksTimeout');
  const attempts = number('checksAttempts');
  return checks.map((check) => ({
    ...check,
    wait: check.given.wait ? check.wait : (wait ?? check.wait),
    timeout: check.given.timeout ? check.timeout : (timeout ?? check.timeout),
    attempts: check.given.attempts ? check.attempts : (attempts ?? check.attempts),
  }));
}

/**
 * One attempt of an app.json check against a running container: '' when it passes, else why not.
 * HTTP(S) GET of `path` (status below 400, `content` in the body), a `command` run in the
 * container (exit 0), `listening` (the port accepts TCP) or `uptime` (up that long, no restarts).
 */
export async function attemptCheck(docker: Docker, process: ProcessContainer, port: number, check: HealthCheck): Promise<string> {
  const target = check.port ?? port;
  if (check.command) {
    const { code, output } = await execText(docker, process.id, { cmd: check.command }).catch((error: unknown) => ({
      code: -1,
      output: (error as Error).message,
    }));
    return code === 0 ? '' : `${check.command.join(' ')} exited with code ${code}${output.trim() ? `: ${lastLine(output)}` : ''}`;
  }
  if (check.uptime !== undefined) return uptimeProblem(docker, process, check.uptime);
  if (check.listening) return process.ip && (await acceptsTcp(process.ip, target)) ? '' : `port ${target} does not accept connections`;
  return attemptHttp(`${check.scheme}://${process.ip}:${target}${check.path}`, check);
}

/** '' when the check passes, else why it did not. */
export function attemptHttp(url: string, check: Pick<HealthCheck, 'path' | 'content' | 'timeout' | 'httpHeaders'>): Promise<string> {
  return new Promise((resolve) => {
    const headers = Object.fromEntries((check.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const requester = url.startsWith('https:') ? httpsRequest : httpRequest;
    // A check talks to the container directly: its certificate is not the public one.
    const req = requester(url, { headers, timeout: check.timeout * 1000, rejectUnauthorized: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve(`${check.path} did not answer (${error.message})`));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        if (status >= 400) resolve(`${check.path} answered HTTP ${status}`);
        else if (check.content !== undefined && !body.includes(check.content)) {
          resolve(`${check.path} answered without the expected content "${check.content}"`);
        } else resolve('');
      });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`${check.path} did not answer (timed out)`);
    });
    req.on('error', (error) => resolve(`${check.path} did not answer (${error.message})`));
    req.end();
  });
}

async function uptimeProblem(docker: Docker, process: ProcessContainer, seconds: number): Promise<string> {
  const info = await docker.getContainer(process.id).inspect();
  const up = (Date.now() - Date.parse(info.State.StartedAt)) / 1000;
  if (info.RestartCount > 0) return `it restarted ${info.RestartCount} time${info.RestartCount === 1 ? '' : 's'}`;
  if (!info.State.Running) return `it is not running (exit code ${info.State.ExitCode})`;
  if (up < seconds) {
    await new Promise((resolve) => setTimeout(resolve, (seconds - up) * 1000));
    return uptimeProblem(docker, process, 0);
  }
  return '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()!.slice(0, 200);
}
