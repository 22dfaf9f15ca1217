import type Docker from 'dockerode';
import type { Logger } from '../daemon/logger.js';
import { LABELS } from '../deploy/naming.js';

const WATCHED = ['die', 'start', 'destroy', 'oom'];
const DEBOUNCE_MS = 1_000;
const RECONNECT_MS = 2_000;

/**
 * Follows Docker's event stream for this daemon's containers and reports which app changed,
 * debounced; reconnects when dockerd restarts. Events missed while disconnected (dockerd
 * restarting every container with new addresses) are covered by `onReconnected`.
 */
export function watchContainerEvents(
  docker: Docker,
  instance: string,
  logger: Logger,
  onAppChanged: (appId: number) => void,
  onReconnected: () => void,
  onDisconnected: () => void = () => undefined,
): { stop(): void } {
  let connectedBefore = false;
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  const timers = new Map<number, NodeJS.Timeout>();

  const notify = (appId: number) => {
    clearTimeout(timers.get(appId));
    timers.set(
      appId,
      setTimeout(() => {
        timers.delete(appId);
        if (!stopped) onAppChanged(appId);
      }, DEBOUNCE_MS),
    );
  };

  const connect = async () => {
    if (stopped) return;
    try {
      stream = await docker.getEvents({
        filters: { type: ['container'], event: WATCHED, label: [`${LABELS.instance}=${instance}`] },
      });
    } catch {
      setTimeout(() => void connect(), RECONNECT_MS);
      return;
    }
    if (connectedBefore) onReconnected();
    connectedBefore = true;
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const appId = appIdOf(line);
        if (appId !== undefined) notify(appId);
      }
    });
    const reconnect = () => {
      stream = undefined;
      if (!stopped) {
        onDisconnected();
        logger.info('docker event stream ended; reconnecting');
        setTimeout(() => void connect(), RECONNECT_MS);
      }
    };
    stream.once('end', reconnect);
    stream.once('error', reconnect);
  };
  void connect();

  return {
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}

function appIdOf(line: string): number | undefined {
  try {
    const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
    const id = Number(event.Actor?.Attributes?.[LABELS.appId]);
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
