// Longer than 300 lines: the one transactional path of every nginx change (stage, nginx -t, swap, reload, roll back), whose steps must be read together.
import { isIP } from 'node:net';
import { UserError, oneLine } from '../core/errors.js';
import type { PartApi } from '../core/part.js';
import { loadAppState, type PropertyReader, type StateContext } from './app-state.js';
import { publishedUrls, routedUrls } from './app-urls.js';
import { DASHBOARD_CERT, type CertTarget } from './cert-target.js';
import { dashboardDomain, loadDashboardState } from './dashboard-state.js';
import { ConfigTree, diffTrees, type Tree, type TreeChange } from './config-tree.js';
import { domainConflicts, isValidDomain } from './domains.js';
import { TREE, nginxLayout, type NginxLayout } from './layout.js';
import { NginxProcess } from './nginx-process.js';
import { NGINX_NAMESPACE, resolveNginxSettings } from './nginx-settings.js';
import { prepareNginxWorker, type NginxWorker } from './nginx-worker.js';
import { PendingProperties } from './pending-properties.js';
import { publishClash, reservedPorts, schemeClash } from './port-map.js';
import { exposedServicePorts } from '../plugins/service-kit/usage.js';
import {
  isRouted,
  isServed,
  listenPorts,
  renderAppConfig,
  renderControlServer,
  renderDashboardConfig,
  renderDefaultServers,
  renderMainConfig,
  type AppProxyState,
  type DashboardProxyState,
  type RenderOptions,
} from './render.js';
import { SerialQueue } from './serial-queue.js';

export interface ChangeOptions {
  /** The app the change is about: a clash names the other app. */
  subject?: string;
  /** Apps being renamed (old name -> new name): rendered under the new name. */
  renames?: ReadonlyMap<string, string>;
  /** Apps being destroyed: no longer rendered. */
  removed?: ReadonlySet<string>;
  /** Reload even when no file changed (how the daemon adopts a running nginx at start). */
  force?: boolean;
}

export interface ChangeResult {
  /** The managed files that changed, relative to the nginx prefix. */
  changed: string[];
  reloaded: boolean;
  /** Time from the first rendered byte to nginx answering with the new config. */
  ms: number;
  /** Apps (other than the subject) rendered disabled because nginx refused their config. */
  disabled: string[];
}

/** Edits the pending properties of a change; throwing cancels the change. */
export type Mutation = (pending: PendingProperties) => void | Promise<void>;

/**
 * The proxy's one path for every change: apply the edit to pending properties, render the
 * whole tree from state, write what differs beside the live files, check the candidate tree
 * with `nginx -t`, then store the edit, swap the files in and reload, and wait until the new
 * workers answer. A refused or failed change leaves files, store and traffic as they were.
 */
export class NginxProxy {
  readonly layout: NginxLayout;
  readonly nginx: NginxProcess;
  readonly tree: ConfigTree;
  private readonly queue = new SerialQueue();
  private generations = 0;
  /** Set by prepareWorker() when the daemon runs as root. */
  private worker: NginxWorker | undefined;

  constructor(private readonly api: PartApi) {
    this.layout = nginxLayout(api.paths.nginx);
    this.nginx = new NginxProcess(this.layout);
    this.tree = new ConfigTree(this.layout);
  }

  /** As root: nginx's workers run as an unprivileged user (see nginx-worker.ts). */
  async prepareWorker(): Promise<void> {
    if (process.getuid?.() !== 0) return;
    this.worker = await prepareNginxWorker(this.api.instance, (message, error) => this.api.logger.warn({ err: error }, message));
  }

  change(options: ChangeOptions, mutate?: Mutation): Promise<ChangeResult> {
    return this.queue.run(() => this.changeNow(options, mutate));
  }

  /** Runs fn with the tree to itself (no change can start meanwhile). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  /** The stored state of one app, as nginx serves it. */
  appState(name: string): AppProxyState | undefined {
    const app = this.api.store.apps.find(name);
    return app && loadAppState(this.stateContext(this.api.store.properties), app);
  }

  states(reader: PropertyReader, options: Pick<ChangeOptions, 'renames' | 'removed'> = {}): AppProxyState[] {
    const context = this.stateContext(reader);
    return this.api.store.apps
      .list()
      .filter((app) => !options.removed?.has(app.name))
      .map((app) => loadAppState(context, { id: app.id, name: options.renames?.get(app.name) ?? app.name }));
  }

  /** The dashboard's site as nginx serves it (through pending changes), or undefined without a domain. */
  dashboardState(reader: PropertyReader = this.api.store.properties): DashboardProxyState | undefined {
    const { settings } = this.api;
    return loadDashboardState({
      reader,
      layout: this.layout,
      httpPort: settings.httpPort,
      httpsPort: settings.httpsPort,
      apiListen: settings.listen,
      apiPort: settings.apiPort,
      apiTls: settings.apiTls,
      perAddress: settings.limits.perAddress,
    });
  }

  /** Where the dashboard answers through nginx: https once it has a certificate. */
  dashboardUrl(): string | undefined {
    const state = this.dashboardState();
    if (!state) return undefined;
    const [scheme, port, standard] = state.cert ? ['https', state.httpsPort, 443] : ['http', state.httpPort, 80];
    return `${scheme}://${state.domain}${port === standard ? '' : `:${port}`}/`;
  }

  /** What a certificate of `target` is for: its domains, its port mappings and its current certificate. */
  served(target: CertTarget): Pick<AppProxyState, 'domains' | 'ports' | 'cert'> | undefined {
    if (target.id !== null) return this.appState(target.dir);
    const state = this.dashboardState();
    if (!state) return undefined;
    const port = this.api.settings.apiPort;
    return {
      domains: [state.domain],
      ports: [
        { scheme: 'http', host: state.httpPort, container: port },
        ...(state.cert ? [{ scheme: 'https' as const, host: state.httpsPort, container: port }] : []),
      ],
      cert: state.cert,
    };
  }

  urls(app: string): string[] {
    const state = this.appState(app);
    if (!state) return [];
    return state.proxyDisabled || state.vhostsDisabled ? publishedUrls(state, this.api.settings.listen) : routedUrls(state);
  }

  renderOptions(): RenderOptions {
    return { listen: this.api.settings.listen, layout: this.layout };
  }

  renderTree(states: readonly AppProxyState[], dashboard: DashboardProxyState | undefined, reader: PropertyReader): Tree {
    const { settings } = this.api;
    const options = this.renderOptions();
    const tree: Tree = new Map();
    tree.set(
      TREE.main,
      this.mainConfig(
        [...SHARED, 'apps/*.conf'].map((path) => this.tree.absolute(path)),
        reader,
      ),
    );
    const served = states.filter(isServed);
    tree.set(TREE.defaults, renderDefaultServers(listenPorts(served, settings.httpPort, settings.httpsPort), options));
    // Read before the apps: on a name both claim (a clash stored before the dashboard's), the dashboard wins.
    tree.set(TREE.dashboard, renderDashboardConfig(dashboard, options));
    // An app without domains (or port mappings), or with its config cleared, has no file at all.
    for (const state of served) tree.set(TREE.app(state.name), renderAppConfig(state, options));
    return tree;
  }

  /** nginx -t of the live tree, or of the live tree reduced to one app. */
  validateLive(app?: string): Promise<string | undefined> {
    return this.exclusive(async () => {
      if (app === undefined) return this.nginx.test(this.layout.mainConf);
      return this.testIncludes(
        [...SHARED, TREE.app(app)].map((path) => this.tree.absolute(path)),
        this.api.store.properties,
      );
    });
  }

  /** The live app files nginx refuses one by one, with its complaint. */
  brokenLiveApps(): Promise<Map<string, string>> {
    return this.exclusive(async () => {
      const live = [...this.tree.live().keys()].filter((path) => path.startsWith('apps/'));
      return this.brokenApps(live, (path) => this.tree.absolute(path), this.api.store.properties);
    });
  }

  private async changeNow(options: ChangeOptions, mutate?: Mutation): Promise<ChangeResult> {
    const started = Date.now();
    this.assertListenAddress();
    this.tree.ensureDirs();
    const pending = new PendingProperties(this.api.store);
    await mutate?.(pending);
    const states = this.states(pending, options);
    this.refuseNewClashes(states, pending, options);
    const desired = this.renderTree(states, this.dashboardState(pending), pending);
    const live = this.tree.live();
    let changes = diffTrees(desired, live);
    // Nothing to reload; a stopped nginx is started by the next change that affects routing.
    if (changes.length === 0 && !options.force) {
      pending.commit();
      return { changed: [], reloaded: false, ms: Date.now() - started, disabled: [] };
    }
    const generation = this.nextGeneration();
    const control: TreeChange = { path: TREE.control, content: renderControlServer(this.layout, generation) };
    changes = [...changes, control];
    this.tree.stage(changes);
    let problem = await this.checkCandidate(desired, changes, pending);
    const disabled: string[] = [];
    if (problem) {
      // Find which app files nginx refuses. The subject's own is refused with nginx's words;
      // any other (broken by something outside paas, e.g. a deleted certificate) is rendered
      // disabled, so one bad app never blocks deploys and changes of the others.
      const broken = await this.brokenApps(
        [...desired.keys()].filter((path) => path.startsWith('apps/')),
        (path) => this.tree.candidatePath(path, changes),
        pending,
      );
      const own = options.subject === undefined ? undefined : broken.get(TREE.app(options.subject));
      if (own !== undefined) problem = own;
      else if (broken.size > 0) {
        for (const [path, complaint] of broken) {
          const app = path.slice('apps/'.length, -'.conf'.length);
          disabled.push(app);
          desired.set(path, `# paas: ${app} is disabled: nginx refused its configuration: ${oneLine(complaint)}\n`);
          this.api.logger.error({ app, complaint }, 'nginx refused the configuration of an app; it is not routed until fixed');
        }
        this.tree.discard(changes);
        changes = [...diffTrees(desired, live), control];
        this.tree.stage(changes);
        problem = await this.checkCandidate(desired, changes, pending);
      }
    }
    if (problem) {
      this.tree.discard(changes);
      throw new UserError(`nginx refused the new configuration, so nothing changed: ${problem}`);
    }
    if (changes.length === 1 && !options.force) {
      // Only the control file: what changed was a broken app that stays disabled.
      this.tree.discard(changes);
      pending.commit();
      return { changed: [], reloaded: false, ms: Date.now() - started, disabled };
    }
    const checked = Date.now();
    const undo = pending.commit();
    const backup = this.tree.swap(changes);
    try {
      await this.activate(generation);
    } catch (error) {
      undo();
      this.tree.restore(backup);
      this.signalReload();
      throw error;
    }
    const changed = changes.filter((c) => c.path !== TREE.control).map((c) => c.path);
    const ms = Date.now() - started;
    this.api.logger.info({ changed, ms, checkMs: checked - started, reloadMs: Date.now() - checked }, 'nginx reloaded');
    return { changed, reloaded: true, ms, disabled };
  }

  /** Starts nginx when it is not running, else reloads it; resolves once the new config answers. */
  private async activate(generation: string): Promise<void> {
    const offset = this.nginx.logOffset();
    const pid = this.nginx.runningPid();
    const oldWorkers = pid === undefined ? [] : this.nginx.activeWorkers(pid);
    if (pid === undefined) {
      await this.nginx.start();
      this.api.logger.info({ nginxPid: this.nginx.runningPid() }, 'nginx started');
    } else {
      process.kill(pid, 'SIGHUP');
    }
    await this.nginx.waitForGeneration(generation, offset, oldWorkers);
  }

  private signalReload(): void {
    const pid = this.nginx.runningPid();
    if (pid !== undefined) process.kill(pid, 'SIGHUP');
  }

  private checkCandidate(desired: Tree, changes: readonly TreeChange[], reader: PropertyReader): Promise<string | undefined> {
    const includes = [...SHARED, ...[...desired.keys()].filter((path) => path.startsWith('apps/'))];
    return this.testIncludes(
      includes.map((path) => this.tree.candidatePath(path, changes)),
      reader,
    );
  }

  private testIncludes(includes: readonly string[], reader: PropertyReader): Promise<string | undefined> {
    return this.nginx.test(this.tree.writeCheckConfig(this.mainConfig(includes, reader)));
  }

  /** Each app file checked alone with the shared files; empty when those alone already fail. */
  private async brokenApps(
    appPaths: readonly string[],
    where: (path: string) => string,
    reader: PropertyReader,
  ): Promise<Map<string, string>> {
    const broken = new Map<string, string>();
    const shared = SHARED.map(where);
    if (await this.testIncludes(shared, reader)) return broken;
    for (const path of appPaths) {
      const complaint = await this.testIncludes([...shared, where(path)], reader);
      if (complaint) broken.set(path, complaint);
    }
    return broken;
  }

  private mainConfig(includes: readonly string[], reader: PropertyReader): string {
    const global = resolveNginxSettings({}, reader.all(null, NGINX_NAMESPACE));
    const clientAddress = { trustedProxies: global['trusted-proxies'].split(' ').filter(Boolean), realIpHeader: global['real-ip-header'] };
    return renderMainConfig({ layout: this.layout, includes, worker: this.worker, clientAddress });
  }

  /**
   * Two apps serving one domain, or one port carrying http and https, are refused when the
   * change would create them. Ones already stored (e.g. PAAS_DOMAIN changed) only warn, so one
   * bad app never blocks every other change.
   */
  private refuseNewClashes(after: readonly AppProxyState[], reader: PropertyReader, options: ChangeOptions): void {
    const before = this.states(this.api.store.properties).map((state) => ({
      ...state,
      name: options.renames?.get(state.name) ?? state.name,
    }));
    // The dashboard's domain takes part under a name no app can have.
    const withDashboard = (states: ReadonlyArray<{ name: string; domains: readonly string[] }>, domain: string | undefined) =>
      domain ? [{ name: DASHBOARD_CERT.dir, domains: [domain] }, ...states] : states;
    const keyOf = (domain: string, apps: readonly string[]) => `${domain} ${[...apps].sort().join(' ')}`;
    const known = new Set(
      [...domainConflicts(withDashboard(before, dashboardDomain(this.api.store.properties)))].map(([domain, apps]) => keyOf(domain, apps)),
    );
    for (const [domain, apps] of domainConflicts(withDashboard(after, dashboardDomain(reader)))) {
      if (known.has(keyOf(domain, apps))) {
        this.api.logger.warn(
          { domain, apps },
          'a domain is served by several apps (or an app and the dashboard); nginx routes it to the first',
        );
        continue;
      }
      throw new UserError(clashMessage(domain, apps, options.subject));
    }
    const reserved = [...reservedPorts(this.api.settings), ...exposedServicePorts(this.api.store.db)];
    const routed = (states: readonly AppProxyState[]) => states.filter(isRouted).map((s) => ({ app: s.name, ports: s.ports }));
    const clash = schemeClash(routed(after), reserved);
    if (clash && clash !== schemeClash(routed(before), reserved)) throw new UserError(clash);
    // Ports a web container publishes (proxy:disable) or nginx serves one app on (domains:disable)
    // belong to that app alone.
    const exclusive = (state: AppProxyState) => state.proxyDisabled === true || state.vhostsDisabled === true;
    const published = (states: readonly AppProxyState[]) =>
      publishClash(
        states.filter(exclusive).map((s) => ({ app: s.name, ports: s.ports })),
        routed(states.filter((s) => !exclusive(s))),
        reserved,
      );
    const publishing = published(after);
    if (publishing && publishing !== published(before)) throw new UserError(publishing);
  }

  private assertListenAddress(): void {
    const { listen } = this.api.settings;
    if (!isIP(listen) && !isValidDomain(listen)) {
      throw new UserError(`PAAS_LISTEN "${listen}" is not an IP address or host name; fix it and restart the daemon`);
    }
  }

  private nextGeneration(): string {
    this.generations += 1;
    return `${Date.now().toString(36)}-${process.pid.toString(36)}-${this.generations}`;
  }

  private stateContext(reader: PropertyReader): StateContext {
    const { settings, store } = this.api;
    return {
      reader,
      layout: this.layout,
      httpPort: settings.httpPort,
      httpsPort: settings.httpsPort,
      defaultGlobalDomain: settings.domain,
      releasePort: (appId) => store.releases.current(appId)?.port,
    };
  }
}

/** The files every configuration includes before the apps' (the dashboard's is shared: it has no app to disable). */
const SHARED = [TREE.control, TREE.defaults, TREE.dashboard] as const;

/** Why a change that gives `domain` to several of `owners` (apps, or the dashboard) is refused. Pure. */
export function clashMessage(domain: string, owners: readonly string[], subject: string | undefined): string {
  const apps = owners.filter((owner) => owner !== DASHBOARD_CERT.dir);
  if (apps.length < owners.length) {
    return subject !== undefined && apps.includes(subject)
      ? `the domain ${domain} is the dashboard's (dashboard:set --global domain); give ${subject} another domain, or move the dashboard first`
      : `the domain ${domain} is already used by app "${apps[0]}"; remove it there first: paas domains:remove ${apps[0]} ${domain}`;
  }
  const mine = subject !== undefined && apps.includes(subject) ? subject : undefined;
  const other = apps.find((app) => app !== mine)!;
  return mine
    ? `the domain ${domain} is already used by app "${other}"; remove it there first: paas domains:remove ${other} ${domain}`
    : `the domain ${domain} would belong to both "${apps[0]}" and "${apps[1]}"; remove it from one: paas domains:remove ${apps[1]} ${domain}`;
}
