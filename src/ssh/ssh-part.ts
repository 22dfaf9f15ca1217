import { join } from 'node:path';
import type { Part, PartApi } from '../core/part.js';
import { systemUsers } from '../git/authorized-keys.js';
import { createGitAccess } from '../git/repo-access.js';
import { syncSystemSshKeys } from '../git/system-ssh.js';
import { startForwardSocket } from './forward-server.js';
import { startSshServer, type RunningSshServer } from './server.js';

/**
 * The SSH transport: paas's own SSH server (commands and git for registered keys) and the side
 * door for the system sshd on port 22 (`git push dokku@HOST:app`), both carrying the same
 * commands and git access as every other transport.
 */
export function sshPart(): Part {
  let api: PartApi;
  let ssh: RunningSshServer | undefined;
  let forward: { close(): Promise<void> } | undefined;

  /** authorized_keys of the system users, and the socket their forced command connects to. */
  const startSystemSsh = async () => {
    const { settings, store, logger, commands } = api;
    const [user] = systemUsers(settings.systemSshUsers);
    if (!user) {
      if (settings.systemSshUsers.length)
        logger.warn({ users: settings.systemSshUsers }, 'none of the system ssh users exists; ssh on port 22 is off');
      return;
    }
    syncSystemSshKeys(settings, store, logger);
    forward = await startForwardSocket({
      path: settings.sshForwardSocket,
      gid: user.gid,
      deps: { store, logger, registry: commands, gitAccess: createGitAccess(api), port: 22 },
    });
    logger.info({ socket: settings.sshForwardSocket, users: settings.systemSshUsers }, 'system sshd forwarding ready');
  };

  return {
    name: 'ssh',
    description: 'commands and git over SSH: the embedded server and the system sshd forwarder',
    after: ['git'],
    register(partApi) {
      api = partApi;
    },
    async start() {
      const { settings, paths, store, logger, commands } = api;
      await startSystemSsh();
      if (settings.sshPort === 0) return;
      ssh = await startSshServer({
        port: settings.sshPort,
        host: settings.listen,
        hostKeyPath: join(paths.home, 'ssh_host_ed25519_key'),
        store,
        logger,
        registry: commands,
        gitAccess: createGitAccess(api),
        limits: settings.limits,
      });
    },
    async stop() {
      await ssh?.close();
      await forward?.close();
    },
  };
}
