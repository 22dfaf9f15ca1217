// Longer than 300 lines: the three push-free deploy sources share their guards (size caps, remote-caller URL rules, redirects), which sit beside them.
import { readCapped } from '../core/read-capped.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { requireApp } from '../core/app-lookup.js';
import type { CommandContext } from '../core/command.js';
import { UserError } from '../core/errors.js';
import { printable } from '../core/names.js';
import { writeLine } from '../core/output.js';
import type { Part, PartApi } from '../core/part.js';
import { formatSize } from '../core/sizes.js';
import type { AppRow } from '../store/apps.js';
import { ARCHIVE_TYPES, detectArchiveType, readArchive, stripTopFolder, writeEntries, type ArchiveType } from './archive-extract.js';
import { DEPLOY_BRANCH, deployBranches, isValidBranchName } from './deploy-branch.js';
import { branchRevision, repoPath } from './repositories.js';
import { git } from './run-git.js';
import { fetchCapped } from './capped-fetch.js';
import { commitFolder, moveBranch } from './source-commit.js';
import { type PinnedHost, gitHttpPin, gitSshPin, pinPublicHost, pinnedRequest } from '../core/pinned-host.js';
import { assertSourceAllowed, parseArchiveSource, parseGitSource, registryHost, sourcePort, type GitSource } from './source-guard.js';

/** A Docker image reference: `[registry[:port]/]path[:tag][@sha256:digest]`. */
const IMAGE_REF =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const GIT_REF = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$/;
const SYNC_NAMESPACE = 'refs/paas-sync';
const MAX_ARCHIVE_ENTRIES = 100_000;
const MAX_REDIRECTS = 5;

/** `git:from-image`'s check of an image reference. Pure. */
export function assertImageRef(image: string): string {
  if (image.length > 512 || !IMAGE_REF.test(image)) {
    throw new UserError(`invalid image "${printable(image)}": use NAME[:TAG], REGISTRY/NAME[:TAG] or NAME@sha256:DIGEST`);
  }
  return image;
}

/**
 * Deploying without a push, as Dokku does: git:from-image (a Dockerfile `FROM IMAGE`),
 * git:from-archive (a tar, tar.gz or zip) and git:sync (another git repository). Each becomes a
 * commit in the app's repository and goes through the same deploy as a push: same checks,
 * output and rollback; the deploy branch only moves when the deploy succeeded.
 */
export const deploySourcesPart: Part = {
  name: 'deploy-sources',
  description: 'git:from-image, git:from-archive, git:sync: deploys from an image, an archive or another repository',
  after: ['git', 'deploy'],
  register(api) {
    registerDeploySources(api);
  },
};

function registerDeploySources(api: PartApi): void {
  const { commands, store, paths, events, settings } = api;
  const local = (ctx: CommandContext) => ctx.actor.transport === 'socket';

  /** The branch a source lands on: the deploy branch that exists, else the first one. */
  const targetBranch = async (app: AppRow): Promise<string> => {
    const branches = deployBranches(store, app.id);
    for (const branch of branches) if (await branchRevision(repoPath(paths, app.name), branch)) return branch;
    return branches[0];
  };

  const deployRev = (ctx: CommandContext, app: AppRow, rev: string, force = false) =>
    events.emit('git-receive', {
      app: app.name,
      rev,
      gitEnv: { GIT_DIR: repoPath(paths, app.name) },
      output: ctx.stdout,
      actor: ctx.actor.name,
      codeTrust: local(ctx) ? 'server' : 'remote',
      signal: ctx.signal,
      force,
    });

  /** Commits the folder on the app's branch, deploys it, then moves the branch. */
  const releaseFolder = async (ctx: CommandContext, app: AppRow, folder: string, message: string, force: boolean) => {
    const repo = repoPath(paths, app.name);
    const branch = await targetBranch(app);
    const [name, email] = ctx.args.slice(2);
    const commit = await commitFolder(repo, folder, {
      branch,
      message,
      tmpDir: paths.tmp,
      ...(name ? { author: { name, email: email ?? 'automated@paas.local' } } : {}),
    });
    if (!commit.changed && !force) {
      writeLine(ctx.stdout, `-----> No changes detected, skipping the deploy of ${app.name} (--force deploys anyway)`);
      return;
    }
    await deployRev(ctx, app, commit.rev, force);
    if (commit.changed) await moveBranch(repo, branch, commit.rev, commit.parent);
  };

  const withFolder = async <T>(fn: (folder: string) => Promise<T>): Promise<T> => {
    mkdirSync(paths.tmp, { recursive: true, mode: 0o700 });
    const folder = mkdtempSync(join(paths.tmp, 'source-'));
    try {
      return await fn(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };

  commands.register({
    name: 'git:from-image',
    summary: 'Deploy a Docker image (on the server or in a registry it can reach) as a new release',
    usage: '[--force] APP IMAGE [GIT_USER_NAME GIT_USER_EMAIL]',
    description:
      "The app's repository gets a commit with a Dockerfile `FROM IMAGE`, which deploys like a push (checks, rollback).\n" +
      'The same image again changes nothing and exits 0; --force pulls the image again and deploys anyway.\n' +
      'A remote client may only name images of public registries.',
    examples: ['paas git:from-image blog registry.example.com/blog:1.4.2', 'paas git:from-image --force blog blog:latest'],
    flags: { force: { type: 'boolean', description: 'pull the image again (if it comes from a registry) and deploy even if unchanged' } },
    arity: [2, 4],
    async handler(ctx) {
      const [name, image] = ctx.args;
      const app = requireApp(store, name);
      assertImageRef(image);
      const registry = registryHost(image);
      // Checked only: Docker resolves the registry's name itself, which paas cannot pin (README, Security model).
      if (registry && !local(ctx)) await pinPublicHost(registry, 'image', image);
      const force = ctx.flags.force === true;
      const present = await api.docker
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        );
      if (!present || (force && registry)) await pull(api, image, ctx);
      await withFolder(async (folder) => {
        writeFileSync(join(folder, 'Dockerfile'), `FROM ${image}\n`);
        await releaseFolder(ctx, app, folder, `Deploy image ${image}`, force);
      });
    },
  });

  commands.register({
    name: 'git:from-archive',
    summary: 'Deploy the contents of a tar, tar.gz or zip archive (from a URL or standard input) as a new release',
    usage: '[--archive-type tar|tar.gz|zip] APP URL|- [GIT_USER_NAME GIT_USER_EMAIL]',
    description:
      'With - the archive is read from standard input. The type is found from the content unless --archive-type says it.\n' +
      'An archive whose files all sit in one top folder (as GitHub makes them) is unpacked without it. The same content\n' +
      `again changes nothing. Archives are limited to PAAS_MAX_PUSH_SIZE (now ${formatSize(settings.maxPushSize)}); a remote client may\n` +
      'only give https URLs of public hosts (or standard input).',
    examples: [
      'tar -C build -cz . | paas git:from-archive blog -',
      'paas git:from-archive blog https://example.com/releases/blog-1.4.2.tar.gz',
    ],
    flags: { 'archive-type': { type: 'string', description: 'the archive format', choices: ARCHIVE_TYPES, placeholder: 'TYPE' } },
    arity: [2, 4],
    async handler(ctx) {
      const [name, location] = ctx.args;
      const app = requireApp(store, name);
      const data =
        location === '-'
          ? await readLimited(ctx.stdin, settings.maxPushSize)
          : await fetchArchive(parseArchiveSource(location), local(ctx), settings.maxPushSize);
      const type = (ctx.flags['archive-type'] as ArchiveType | undefined) ?? detectArchiveType(data);
      writeLine(ctx.stdout, `-----> Unpacking a ${type} archive of ${formatSize(data.length)} for ${app.name}`);
      const entries = stripTopFolder(
        await readArchive(data, type, { maxBytes: 4 * settings.maxPushSize, maxEntries: MAX_ARCHIVE_ENTRIES }),
      );
      await withFolder(async (folder) => {
        writeEntries(folder, entries);
        await releaseFolder(ctx, app, folder, `Deploy archive ${location === '-' ? '(standard input)' : location}`, false);
      });
    },
  });

  commands.register({
    name: 'git:sync',
    summary: "Fetch a branch, tag or commit of another git repository into the app's repository (and deploy it with --build)",
    usage: '[--build|--build-if-changes] [--skip-deploy-branch] APP GIT_URL [REF]',
    description:
      "Without REF the repository's default branch is taken. A branch REF becomes the app's deploy-branch unless\n" +
      '--skip-deploy-branch. --build deploys it; --build-if-changes only when the revision is new. A remote client may\n' +
      'only name https or ssh URLs of public hosts (no redirect is followed); on the server, paths and file:// URLs work too.\n' +
      `What is fetched is limited to PAAS_MAX_PUSH_SIZE (now ${formatSize(settings.maxPushSize)}), as a push is: a bigger fetch is stopped and removed.`,
    examples: ['paas git:sync --build blog https://github.com/me/blog.git main', 'paas git:sync blog /srv/git/blog.git v1.4.2'],
    flags: {
      build: { type: 'boolean', description: 'deploy the fetched revision' },
      'build-if-changes': { type: 'boolean', description: 'deploy it only when it is not what the branch already has' },
      'skip-deploy-branch': { type: 'boolean', description: "leave the app's deploy-branch setting alone" },
    },
    arity: [2, 3],
    async handler(ctx) {
      const [name, url, ref] = ctx.args;
      const app = requireApp(store, name);
      const source = parseGitSource(url);
      if (ref !== undefined && (!GIT_REF.test(ref) || ref.includes('..')))
        throw new UserError(`invalid git ref "${printable(ref)}": give a branch, tag or commit`);
      const pin = await assertSourceAllowed(source, local(ctx), 'git repository', ['https', 'ssh']);
      const repo = repoPath(paths, app.name);
      writeLine(ctx.stdout, `-----> Syncing ${app.name} from ${url}${ref ? ` (${ref})` : ''}`);
      // Each sync fetches under its own namespace: two syncs of one app at once never read or drop each other's refs.
      const namespace = `${SYNC_NAMESPACE}/${randomUUID()}`;
      try {
        const { rev, branch } = await fetchRef(repo, namespace, source, ref, local(ctx), pin, {
          tmpDir: paths.tmp,
          maxBytes: settings.maxPushSize,
        });
        const target = branch && ctx.flags['skip-deploy-branch'] !== true ? branch : await targetBranch(app);
        if (branch && ctx.flags['skip-deploy-branch'] !== true && isValidBranchName(branch)) {
          store.properties.set(app.id, DEPLOY_BRANCH.namespace, DEPLOY_BRANCH.key, branch);
        }
        const before = await branchRevision(repo, target);
        const changed = before !== rev;
        const build = ctx.flags.build === true || (ctx.flags['build-if-changes'] === true && changed);
        if (build) await deployRev(ctx, app, rev);
        if (changed) await moveBranch(repo, target, rev, before);
        writeLine(
          ctx.stdout,
          changed ? `-----> Branch ${target} is now at ${rev.slice(0, 7)}` : `-----> Branch ${target} was already at ${rev.slice(0, 7)}`,
        );
        if (!build) writeLine(ctx.stdout, `       Deploy it with: paas deploy ${app.name} (or git:sync --build)`);
      } finally {
        await dropSyncRefs(repo, namespace);
      }
    },
  });
}

/** Pulls an image with Docker's progress reduced to one line per layer state change. */
async function pull(api: PartApi, image: string, ctx: CommandContext): Promise<void> {
  writeLine(ctx.stdout, `-----> Pulling ${image}`);
  try {
    const stream = await api.docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      api.docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => {
        const failed = error?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new Error(failed));
        else resolve();
      });
    });
  } catch (error) {
    throw new UserError(`could not pull ${image}: ${error instanceof Error ? error.message.trim().split('\n')[0] : String(error)}`);
  }
}

/** A stream's bytes, refused past `max`. */
async function readLimited(stream: Readable, max: number): Promise<Buffer> {
  const bytes = await readCapped(stream, max, `the archive is bigger than ${formatSize(max)}; raise PAAS_MAX_PUSH_SIZE to allow it`);
  if (bytes.length === 0) throw new UserError('no archive on standard input (pipe one in: tar -cz . | paas git:from-archive APP -)');
  return bytes;
}

/** Downloads an archive (following redirects, each checked and pinned) or reads a server file, within `max` bytes. */
async function fetchArchive(source: GitSource, local: boolean, max: number): Promise<Buffer> {
  let pin = await assertSourceAllowed(source, local, 'archive', ['https']);
  if (source.transport === 'file') {
    const path = source.url.startsWith('file://') ? decodeURIComponent(source.url.slice('file://'.length)) : source.url;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new UserError(`archive ${printable(path)} does not exist on the server`);
    }
    if (size > max) throw new UserError(`the archive is bigger than ${formatSize(max)}; raise PAAS_MAX_PUSH_SIZE to allow it`);
    return readFileSync(path);
  }
  const deadline = AbortSignal.timeout(300_000);
  let url = source.url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await download(new URL(url), pin!, deadline);
    const location = response.headers.location;
    if (response.statusCode! >= 300 && response.statusCode! < 400 && location) {
      response.resume();
      url = new URL(location, url).toString();
      pin = await assertSourceAllowed(parseArchiveSource(url), local, 'archive', ['https']);
      if (!pin) throw new UserError(`could not download ${printable(source.url)}: it redirects to ${printable(url)}, not a web address`);
      continue;
    }
    if (response.statusCode! >= 400) {
      response.resume();
      throw new UserError(`could not download ${printable(url)}: HTTP ${response.statusCode}`);
    }
    return readLimited(response, max);
  }
  throw new UserError(`could not download ${printable(source.url)}: more than ${MAX_REDIRECTS} redirects`);
}

/** One GET of `url` at its pinned address; the response, whatever its status. */
function download(url: URL, pin: PinnedHost, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = pinnedRequest(url, pin, { method: 'GET', signal }, resolve);
    request.on('error', (error) => reject(new UserError(`could not download ${printable(url.toString())}: ${error.message}`)));
    request.end();
  });
}

/**
 * Fetches the repository's branches and tags under `namespace` (refs/paas-sync/ID) and finds REF among them
 * (branch, then tag, then commit); without REF, the remote's default branch.
 */
async function fetchRef(
  repo: string,
  namespace: string,
  source: GitSource,
  ref: string | undefined,
  local: boolean,
  pin: PinnedHost | undefined,
  limits: { tmpDir: string; maxBytes: number },
): Promise<{ rev: string; branch?: string }> {
  const env: NodeJS.ProcessEnv = {
    GIT_DIR: repo,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: local ? 'file:https:http:ssh:git' : 'https:ssh',
    GIT_SSH_COMMAND: pin && source.transport === 'ssh' ? gitSshPin(pin) : 'ssh -o BatchMode=yes',
  };
  // Root keeps git's own redirect handling; a remote caller's https fetch follows none.
  const config = pin && (source.transport === 'https' || source.transport === 'http') ? gitHttpPin(pin, sourcePort(source), local) : [];
  const remote = source.transport === 'file' && !source.url.startsWith('file://') ? `file://${source.url}` : source.url;
  try {
    await fetchCapped({
      repo,
      remote,
      refspecs: [`+refs/heads/*:${namespace}/heads/*`, `+refs/tags/*:${namespace}/tags/*`],
      env,
      config,
      tmpDir: limits.tmpDir,
      maxBytes: limits.maxBytes,
      shown: source.url,
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`could not fetch ${printable(source.url)}: ${(error as Error).message.split('\n').slice(-1)[0]}`);
  }
  const resolve = (name: string) =>
    git(['rev-parse', '--verify', '--quiet', `${name}^{commit}`], { env }).then(
      (out) => out.trim(),
      () => '',
    );
  let branch = ref;
  if (ref === undefined) {
    const head = await git([...config, 'ls-remote', '--symref', '--', remote, 'HEAD'], { env }).catch(() => '');
    branch = /^ref: refs\/heads\/(\S+)\s+HEAD$/m.exec(head)?.[1];
    if (!branch) throw new UserError(`${printable(source.url)} has no default branch; give a REF (branch, tag or commit)`);
  }
  const asBranch = await resolve(`${namespace}/heads/${branch}`);
  if (asBranch) return { rev: asBranch, branch };
  const asTag = await resolve(`${namespace}/tags/${ref}`);
  if (asTag) return { rev: asTag };
  const asCommit = /^[0-9a-f]{7,40}$/.test(ref!) ? await resolve(ref!) : '';
  if (asCommit) return { rev: asCommit };
  throw new UserError(`${printable(source.url)} has no branch, tag or commit "${printable(ref!)}"`);
}

async function dropSyncRefs(repo: string, namespace: string): Promise<void> {
  const refs = (await git(['for-each-ref', '--format=%(refname)', namespace], { env: { GIT_DIR: repo } }).catch(() => ''))
    .split('\n')
    .filter(Boolean);
  for (const ref of refs) await git(['update-ref', '-d', ref], { env: { GIT_DIR: repo } }).catch(() => undefined);
}
