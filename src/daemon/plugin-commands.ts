import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { renderTable, writeLine } from '../core/output.js';
import type { Part, PartApi } from '../core/part.js';
import { PAAS_VERSION } from '../version.js';
import { fetchPlugin } from './plugins/plugin-install.js';
import { assertPluginName, defaultPluginName, disabledReason, installedPlugins, pluginsDir, setDisabled } from './plugins/plugin-folder.js';
import { PluginHost, messageOf } from './plugins/plugin-host.js';

/**
 * plugin:*: the built-in parts, and plugins from outside the repository, installed under
 * $PAAS_HOME/plugins and loaded after the built-in parts started.
 */
export function pluginCommandsPart(builtins: readonly Part[]): Part {
  let host: PluginHost | undefined;
  const plugins = (): PluginHost => {
    if (!host) throw new Error('plugins are only available inside the daemon');
    return host;
  };
  return {
    name: 'plugin',
    description: 'plugin:* commands: built-in parts and installed plugins',
    topics: ['plugin'],
    register(api) {
      host = new PluginHost(api, builtins);
      registerPluginCommands(api, builtins, plugins);
    },
    async start() {
      await plugins().loadAll();
    },
    async stop() {
      await host?.stopAll();
    },
  };
}

function registerPluginCommands(api: PartApi, builtins: readonly Part[], plugins: () => PluginHost): void {
  const { commands, events } = api;
  const home = api.paths.home;
  const requireInstalled = (name: string): string => {
    assertPluginName(name);
    if (builtins.some((part) => part.name === name))
      throw new UserError(`${name} is built into paas; only installed plugins can be changed`);
    if (!installedPlugins(home).includes(name)) throw new UserError(`plugin "${name}" is not installed; see: paas plugin:list`);
    return name;
  };

  commands.register({
    name: 'plugin:list',
    summary: 'List the built-in parts and the installed plugins, with their status',
    usage: '',
    examples: ['paas plugin:list'],
    arity: [0, 0],
    handler({ stdout }) {
      const rows = builtins.map((part) => [part.name, PAAS_VERSION, 'enabled', part.description]);
      for (const plugin of plugins().status()) {
        const description = plugin.parts.map((part) => part.description).join('; ');
        rows.push([plugin.name, 'plugin', plugin.enabled ? 'enabled' : `disabled (${plugin.reason ?? 'not loaded'})`, description]);
      }
      writeLine(stdout, '=====> Plugins');
      stdout.write(renderTable(['NAME', 'VERSION', 'STATUS', 'DESCRIPTION'], rows));
    },
  });

  commands.register({
    name: 'plugin:install',
    summary: 'Install a plugin from a server folder or a git URL and load it; without one, prepare every plugin (images)',
    usage: '[PATH|GIT_URL] [--name NAME]',
    description:
      'A plugin is a folder whose index.mjs exports a part (see docs/plugins.md). It is copied (or cloned)\n' +
      'to $PAAS_HOME/plugins/NAME and loaded at once, and again whenever the daemon starts. Only root on\n' +
      'the server may install one: its code runs inside the daemon.\n' +
      'Without an argument, every plugin runs its install step; scripts/install.sh runs this.',
    examples: [
      'paas plugin:install /srv/paas-hello',
      'paas plugin:install https://git.example.com/paas-memo.git --name memo',
      'paas plugin:install',
    ],
    flags: {
      name: { type: 'string', description: 'install under this name (default: the folder or repository name)', placeholder: 'NAME' },
    },
    arity: [0, 1],
    async handler({ args: [source], flags, stdout, actor }) {
      if (source === undefined) {
        await events.emit('install', { output: stdout });
        writeLine(stdout, '-----> Plugins installed');
        return;
      }
      if (actor.transport !== 'socket') {
        throw new UserError(
          "a plugin's code runs inside the daemon: install it as root on the server (paas plugin:install over the local socket)",
        );
      }
      const name = assertPluginName(flags.name === undefined ? defaultPluginName(source) : String(flags.name));
      if (builtins.some((part) => part.name === name))
        throw new UserError(`${name} is built into paas; install the plugin under another --name`);
      writeLine(stdout, `-----> Installing plugin ${name} from ${source}`);
      const dir = await fetchPlugin(home, name, source);
      try {
        const parts = await plugins().load(name);
        writeLine(stdout, `-----> Plugin ${name} enabled: ${parts.map((part) => part.description).join('; ')}`);
      } catch (error) {
        rmSync(dir, { recursive: true, force: true });
        throw new UserError(`plugin ${name} failed to load, so it was not installed: ${messageOf(error)}`);
      }
    },
  });

  commands.register({
    name: 'plugin:installed',
    summary: 'Exit 0 when a plugin is installed (or built in), else 1',
    usage: 'NAME',
    examples: ['paas plugin:installed hello && echo yes'],
    arity: [1, 1],
    handler({ args: [name], stdout }) {
      assertPluginName(name);
      if (!builtins.some((part) => part.name === name) && !installedPlugins(home).includes(name)) {
        throw new UserError(`plugin "${name}" is not installed`);
      }
      writeLine(stdout, `plugin ${name} is installed`);
    },
  });

  commands.register({
    name: 'plugin:enable',
    summary: 'Enable a disabled plugin and load it',
    usage: 'NAME',
    examples: ['paas plugin:enable hello'],
    arity: [1, 1],
    async handler({ args: [raw], stdout }) {
      const name = requireInstalled(raw);
      if (plugins().isLoaded(name)) return writeLine(stdout, `-----> Plugin ${name} is already enabled`);
      try {
        await plugins().load(name);
      } catch (error) {
        setDisabled(home, name, `failed to load: ${messageOf(error)}`);
        throw new UserError(`plugin ${name} failed to load and stays disabled: ${messageOf(error)}`);
      }
      setDisabled(home, name, undefined);
      writeLine(stdout, `-----> Plugin ${name} enabled`);
    },
  });

  commands.register({
    name: 'plugin:disable',
    summary: 'Disable a plugin at once (commands, builders, triggers, routes); it is not loaded at the next start',
    usage: 'NAME',
    description:
      'Its services (containers, volumes) and data are kept; plugin:enable brings it back. HTTP routes a plugin\n' +
      'adds are served from the next daemon start only (also after plugin:install or plugin:enable).',
    examples: ['paas plugin:disable hello'],
    arity: [1, 1],
    async handler({ args: [raw], stdout }) {
      const name = requireInstalled(raw);
      if (disabledReason(home, name) !== undefined && !plugins().isLoaded(name)) {
        return writeLine(stdout, `-----> Plugin ${name} is already disabled`);
      }
      setDisabled(home, name, 'disabled by plugin:disable');
      const { routes } = await plugins().unload(name);
      writeLine(stdout, `-----> Plugin ${name} disabled: its commands, builders, triggers and routes stop now`);
      if (routes) writeLine(stdout, `       Its HTTP routes answer 404; after plugin:enable they come back at the next daemon start`);
    },
  });

  commands.register({
    name: 'plugin:uninstall',
    summary: "Remove an installed plugin's files (its services' containers and data are kept)",
    usage: 'NAME',
    examples: ['paas plugin:uninstall hello'],
    arity: [1, 1],
    async handler({ args: [raw], stdout }) {
      const name = requireInstalled(raw);
      await plugins().unload(name);
      rmSync(join(pluginsDir(home), name), { recursive: true, force: true });
      writeLine(stdout, `-----> Plugin ${name} uninstalled`);
    },
  });
}
