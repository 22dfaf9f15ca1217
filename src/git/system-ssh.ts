import type { Logger } from '../daemon/logger.js';
import type { Settings } from '../daemon/settings.js';
import type { Store } from '../store/store.js';
import { dirname } from 'node:path';
import { renderAuthorizedKeys, systemUsers, writeAuthorizedKeys } from './authorized-keys.js';
import { installForwarder } from './forwarder-install.js';

/**
 * Brings the system users' authorized_keys in line with ssh-keys (at start, and after every
 * ssh-keys:add and ssh-keys:remove). A removed key's line is gone the moment the command returns.
 */
export function syncSystemSshKeys(settings: Pick<Settings, 'systemSshUsers' | 'sshForwardSocket'>, store: Store, logger: Logger): void {
  if (settings.systemSshUsers.length === 0) return;
  const content = renderAuthorizedKeys(
    store.sshKeys.list(),
    installForwarder(dirname(settings.sshForwardSocket)),
    settings.sshForwardSocket,
  );
  for (const user of systemUsers(settings.systemSshUsers)) {
    writeAuthorizedKeys(user, content);
    logger.info({ user: user.name }, 'authorized_keys updated');
  }
}
