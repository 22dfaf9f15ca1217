import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The forced command of the system users runs as those users, who may not be able to read the
 * checkout paas was installed from (a clone under /root, a 0700 temporary folder). So the daemon
 * copies the forwarder, which needs nothing but Node, beside its forward socket: a folder only
 * root and the system users' group can enter. Returns the argv that runs it.
 */
export function installForwarder(socketDir: string): string[] {
  const target = join(socketDir, 'forwarder');
  const compiled = resolve(import.meta.dirname, '..');
  for (const sub of ['', 'cli', 'core']) {
    mkdirSync(join(target, sub), { recursive: true });
    chmodSync(join(target, sub), 0o755);
  }
  const files: Array<[string, string]> = [
    [join(compiled, 'cli/ssh-forward.js'), join(target, 'cli/ssh-forward.js')],
    [join(compiled, 'core/frames.js'), join(target, 'core/frames.js')],
  ];
  for (const [from, to] of files) copyFileSync(from, to);
  writeFileSync(join(target, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(target, 'main.js'),
    [
      "import { runSshForward } from './cli/ssh-forward.js';",
      'const code = await runSshForward(process.argv.slice(2), process.env);',
      "process.stdout.write('', () => process.exit(code));",
      '',
    ].join('\n'),
  );
  for (const file of ['cli/ssh-forward.js', 'core/frames.js', 'package.json', 'main.js']) chmodSync(join(target, file), 0o644);
  return [process.execPath, join(target, 'main.js')];
}
