/**
 * Triggers, like Dokku's plugin triggers: parts react to events instead of calling each other.
 * Handlers run in registration order and are awaited, so a trigger can veto by throwing.
 */
import type { Writable } from 'node:stream';
import type { Actor } from './command.js';

/** A web container's address on the paas network, where nginx sends the app's requests. */
export interface Upstream {
  host: string;
  port: number;
  /** nginx sends it requests only when no other server answers (old containers while new ones prove themselves). */
  backup?: boolean;
}

export interface PaasEvents {
  'post-create': { app: string };
  'app-destroy': { app: string };
  'post-delete': { app: string };
  'app-rename': { oldName: string; newName: string };
  /**
   * apps:clone copied the config vars and settings to the new app, before it deploys: a part
   * copies or adjusts its own state (Dokku's trigger of the same name). A throw undoes the clone.
   */
  'post-app-clone-setup': { oldApp: string; newApp: string; deploy: boolean; output: Writable };
  /** Before config:set stores anything: a throw refuses the whole change (a part checks its own keys). */
  'pre-config-update': {
    /** null for --global config. */
    app: string | null;
    vars: Readonly<Record<string, string>>;
    actor: Actor;
  };
  /**
   * A rollback is about to put an earlier release's config back: a part adds the keys it manages
   * (a service link's URL) to `keep`, and they keep their current value.
   */
  'pre-config-restore': { app: string; keep: Set<string> };
  'post-config-update': {
    /** null for --global config, which every app inherits. */
    app: string | null;
    action: 'set' | 'unset' | 'clear';
    keys: string[];
    restart: boolean;
    /** Where a restart shows its progress: the command's output. */
    output: Writable;
  };
  /**
   * The web containers that should get an app's traffic changed (deploy, scale, restart, daemon
   * start). The proxy switches to them; a throw aborts a deploy before old containers retire.
   */
  'proxy-switch': {
    app: string;
    /** `backup`: only gets requests when no other answers (old containers during a rollout). */
    upstreams: Upstream[];
    /** Progress lines for the deploy log, when a deploy caused the switch. */
    log?: (line: string) => void;
  };
  /**
   * The networks an app should be on changed (a service was linked or unlinked, or a service's
   * network was made): its containers, running ones included, join or leave them now.
   */
  'app-networks-changed': { app: string };
  /**
   * proxy:enable or proxy:disable changed which host ports the app's web container publishes:
   * its web containers are replaced (stop-then-start) so the new ones publish them, or not.
   */
  'proxy-publish-changed': { app: string; output: Writable };
  /**
   * dashboard:set --global domain: the proxy serves the dashboard at `domain` (undefined: nowhere)
   * and stores it, or throws (a clash with an app's domain, nginx refused) and nothing changes.
   */
  'dashboard-domain': { domain: string | undefined; output: Writable };
  /** `paas plugin:install`: each part prepares what it needs (images), showing progress. */
  install: { output: Writable };
  /** A running container was restarted because it stopped answering its liveness check. */
  'process-restart': { app: string; process: string; reason: string };
  /** A service's backup (scheduled or not) failed; TOPIC:backup-report says why. */
  'backup-failed': { plugin: string; service: string };
  /** A release is live: traffic switched to it. */
  'post-deploy': { app: string; release: number; output: Writable };
  /** backup:export --with-data: each service plugin writes a consistent dump of its services under dir/PLUGIN/. */
  'backup-export-data': { dir: string; output: Writable; signal: AbortSignal };
  /**
   * backup:import, after the database is restored: each service plugin makes its services run
   * again (a new volume and container), loading their data from dir/PLUGIN/ where there is some.
   */
  'backup-import-data': { dir: string; output: Writable; signal: AbortSignal };
  /** A push to the app's deploy branch, before git accepts it: a throw rejects the push. */
  'git-receive': {
    app: string;
    rev: string;
    /** Lets git commands see the pushed objects, which are still in git's quarantine. */
    gitEnv: NodeJS.ProcessEnv;
    output: Writable;
    actor: string;
    /** `server` only when root pushed on the server itself (no SSH key, no token): see CodeTrust. */
    codeTrust: CodeTrust;
    signal: AbortSignal;
    /** Build even when the last image could be reused (git:from-image --force). */
    force?: boolean;
  };
}

/**
 * Who wrote the code a build reads: `server` for a push made on the server itself (root, through
 * a local path), `remote` for anything pushed over SSH or HTTP. Decides whether its `.buildpacks`
 * may name server folders.
 */
export type CodeTrust = 'server' | 'remote';

export type EventName = keyof PaasEvents;
type Handler<E extends EventName> = (payload: PaasEvents[E]) => Promise<void> | void;

export class EventBus {
  private readonly handlers = new Map<EventName, Handler<never>[]>();
  private readonly observers: Array<(event: EventName, payload: unknown) => void> = [];

  /** Sees every event as it is emitted, before its handlers run (the `events` log). */
  observe(observer: (event: EventName, payload: unknown) => void): void {
    this.observers.push(observer);
  }

  /** The events some part handles. */
  names(): EventName[] {
    return [...this.handlers.keys()].sort();
  }

  on<E extends EventName>(event: E, handler: Handler<E>): void {
    const list = this.handlers.get(event) ?? [];
    list.push(handler);
    this.handlers.set(event, list);
  }

  async emit<E extends EventName>(event: E, payload: PaasEvents[E]): Promise<void> {
    for (const observer of this.observers) observer(event, payload);
    for (const handler of (this.handlers.get(event) ?? []) as Handler<E>[]) {
      await handler(payload);
    }
  }

  listenerCount(event: EventName): number {
    return this.handlers.get(event)?.length ?? 0;
  }
}
