import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { EventBus } from '../../core/events.js';
import type { Part, PartApi } from '../../core/part.js';
import { commandTopic, topicOwners } from '../../core/part-order.js';
import { registerPart } from '../../core/part-registration.js';
import type { AppNetworkRegistry } from '../../core/app-networks.js';
import type { ReportRegistry } from '../../core/reports.js';
import { migrateParts } from '../../store/part-migrations.js';
import { PLUGIN_KIT } from './plugin-kit.js';
import { disabledReason, installedPlugins, pluginEntry, pluginsDir, setDisabled } from './plugin-folder.js';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { BuilderRegistry } from '../../build/builder.js';
import type { UrlRegistry } from '../../core/urls.js';

interface LoadedPlugin {
  name: string;
  parts: Part[];
  commands: string[];
  /** Its builders: removed from the registry when it is disabled. */
  builders: string[];
  /** How many HTTP route sets it added (they go quiet when it is disabled; see gateRoutes). */
  routes: number;
  /** Off once the plugin is disabled: its triggers, report sections, networks, URLs and routes do nothing. */
  gate: { active: boolean };
}

export interface PluginStatus {
  name: string;
  enabled: boolean;
  /** Why it is disabled (a load error, or plugin:disable). */
  reason?: string;
  parts: Part[];
}

/**
 * The plugins installed under $PAAS_HOME/plugins: loaded after the built-in parts started, each
 * on its own so one that fails is disabled (saying why) and the daemon goes on without it.
 */
export class PluginHost {
  private readonly loaded = new Map<string, LoadedPlugin>();

  constructor(
    private readonly api: PartApi,
    private readonly builtins: readonly Part[],
  ) {}

  /** At daemon start: every enabled plugin; a failure disables that plugin only. */
  async loadAll(): Promise<void> {
    for (const name of installedPlugins(this.api.paths.home)) {
      if (disabledReason(this.api.paths.home, name) !== undefined) continue;
      try {
        await this.load(name);
        this.api.logger.info({ plugin: name }, 'plugin loaded');
      } catch (error) {
        const reason = `failed to load: ${messageOf(error)}`;
        setDisabled(this.api.paths.home, name, reason);
        this.api.logger.error({ plugin: name, reason }, 'plugin disabled: it failed to load');
      }
    }
  }

  isLoaded(name: string): boolean {
    return this.loaded.has(name);
  }

  /** Imports, migrates, registers and starts one plugin; on any failure nothing of it stays active. */
  async load(name: string): Promise<Part[]> {
    const dir = join(pluginsDir(this.api.paths.home), name);
    const entry = pluginEntry(dir);
    // A new URL per load, so a plugin installed again after uninstall is read afresh.
    const module = (await import(`${pathToFileURL(entry).href}?v=${statSync(entry).mtimeMs}-${Date.now()}`)) as { default?: unknown };
    const parts = this.partsOf(module.default);
    const plugin: LoadedPlugin = { name, parts, commands: [], builders: [], routes: 0, gate: { active: true } };
    const api = this.gatedApi(plugin);
    try {
      this.checkNames(parts);
      migrateParts(
        this.api.store.db,
        parts.map((part) => part.migrations),
      );
      const owners = topicOwners([...this.builtins, ...this.loadedParts(), ...parts]);
      for (const part of parts) {
        const before = new Set(this.api.commands.names());
        const routesBefore = this.api.apiRoutes.length;
        try {
          registerPart(part, api, owners);
        } finally {
          plugin.commands.push(...this.api.commands.names().filter((command) => !before.has(command)));
          for (let i = routesBefore; i < this.api.apiRoutes.length; i++) {
            this.api.apiRoutes[i] = gateRoutes(this.api.apiRoutes[i]!, plugin.gate);
            plugin.routes++;
          }
        }
      }
      for (const part of parts) await part.start?.();
    } catch (error) {
      await this.deactivate(plugin);
      throw error;
    }
    this.loaded.set(name, plugin);
    return parts;
  }

  /**
   * Takes a loaded plugin out: its commands and builders go at once, its triggers, URLs and HTTP
   * routes do nothing, its parts stop. Says whether it had HTTP routes: those come back only at
   * the next daemon start (the API server takes its routes when it starts).
   */
  async unload(name: string): Promise<{ routes: boolean }> {
    const plugin = this.loaded.get(name);
    if (!plugin) return { routes: false };
    this.loaded.delete(name);
    await this.deactivate(plugin);
    return { routes: plugin.routes > 0 };
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.loaded.keys()].reverse()) await this.unload(name);
  }

  status(): PluginStatus[] {
    return installedPlugins(this.api.paths.home).map((name) => {
      const reason = disabledReason(this.api.paths.home, name);
      return { name, enabled: reason === undefined && this.loaded.has(name), reason, parts: this.loaded.get(name)?.parts ?? [] };
    });
  }

  private loadedParts(): Part[] {
    return [...this.loaded.values()].flatMap((plugin) => plugin.parts);
  }

  /** The module's default export: a part, a list of parts, or a function of the kit giving either. */
  private partsOf(exported: unknown): Part[] {
    const made = typeof exported === 'function' ? (exported as (kit: typeof PLUGIN_KIT) => unknown)(PLUGIN_KIT) : exported;
    const parts = Array.isArray(made) ? made : [made];
    if (parts.length === 0) throw new Error('its default export gives no part');
    for (const part of parts) {
      const candidate = part as Partial<Part> | undefined;
      if (!candidate || typeof candidate.name !== 'string' || typeof candidate.register !== 'function') {
        throw new Error(
          'its default export must be a part ({ name, description, topics, register }) or a function of the kit returning one',
        );
      }
      if (!candidate.topics?.length) throw new Error(`part "${candidate.name}" declares no command topics (topics: ['${candidate.name}'])`);
    }
    return parts as Part[];
  }

  /** Part names are unique, and a plugin's topics are new: no built-in or loaded command uses them. */
  private checkNames(parts: readonly Part[]): void {
    const taken = new Set([...this.builtins, ...this.loadedParts()].map((part) => part.name));
    const usedTopics = new Set(this.api.commands.names().map(commandTopic));
    for (const part of parts) {
      if (taken.has(part.name)) throw new Error(`a part named "${part.name}" is already loaded`);
      taken.add(part.name);
      const clash = part.topics?.find((topic) => usedTopics.has(topic));
      if (clash !== undefined) throw new Error(`the command topic "${clash}" is already used by other commands`);
    }
  }

  /**
   * The Part API as the plugin sees it: the same registries, but its triggers, report sections
   * and app networks go quiet once the plugin is disabled, without a daemon restart.
   */
  private gatedApi(plugin: LoadedPlugin): PartApi {
    const { gate } = plugin;
    const events = Object.create(this.api.events) as EventBus;
    events.on = (event, handler) => this.api.events.on(event, (payload) => (gate.active ? handler(payload) : undefined));
    const reports = Object.create(this.api.reports) as ReportRegistry;
    reports.add = (title, render) => this.api.reports.add(title, (app) => (gate.active ? render(app) : []));
    const networks = Object.create(this.api.networks) as AppNetworkRegistry;
    networks.add = (provider) => this.api.networks.add((appId) => (gate.active ? provider(appId) : []));
    const urls = Object.create(this.api.urls) as UrlRegistry;
    urls.add = (provider) => this.api.urls.add(async (app) => (gate.active ? provider(app) : []));
    const builders = Object.create(this.api.builders) as BuilderRegistry;
    builders.register = (builder) => {
      this.api.builders.register(builder);
      plugin.builders.push(builder.name);
    };
    return { ...this.api, events, reports, networks, urls, builders };
  }

  private async deactivate(plugin: LoadedPlugin): Promise<void> {
    plugin.gate.active = false;
    for (const command of plugin.commands) this.api.commands.remove(command);
    for (const builder of plugin.builders) this.api.builders.remove(builder);
    for (const part of [...plugin.parts].reverse()) {
      try {
        await part.stop?.();
      } catch (error) {
        this.api.logger.error({ err: error, plugin: plugin.name, part: part.name }, 'plugin part failed to stop');
      }
    }
  }
}

/**
 * A plugin's HTTP routes, answering 404 once it is disabled: Fastify cannot remove routes from a
 * running server. The hook is added in the routes' own context, before them.
 */
function gateRoutes(routes: FastifyPluginAsync, gate: { active: boolean }): FastifyPluginAsync {
  return async (app, options) => {
    app.addHook('onRequest', async (_request, reply) => {
      if (!gate.active) await reply.code(404).send({ error: 'this route belongs to a disabled plugin' });
    });
    await routes(app, options);
  };
}

export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
}
