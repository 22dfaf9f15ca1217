import type Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { dockerMessage, statusOf } from '../docker/errors.js';
import { UserError } from '../core/errors.js';

/** Where a Docker Engine looks for the CA of a registry before each pull (no restart needed). */
export const CERTS_DIR = '/etc/docker/certs.d';
/** An image with nothing in it: the engine needs one to make the container whose bind mount receives the file. */
const EMPTY_IMAGE = { repo: 'paas/empty', tag: '1' };

function tarOf(entries: Array<{ name: string; body?: string }>): Readable {
  const pack = tar.pack();
  for (const entry of entries) {
    if (entry.body === undefined) pack.entry({ name: entry.name, type: 'directory', mode: 0o755 });
    else pack.entry({ name: entry.name, mode: 0o644 }, entry.body);
  }
  pack.finalize();
  // tar-stream's pack is a streamx stream; Docker's client wants a Node one.
  return pack.pipe(new PassThrough());
}

async function ensureEmptyImage(docker: Docker): Promise<string> {
  const name = `${EMPTY_IMAGE.repo}:${EMPTY_IMAGE.tag}`;
  const present = await docker
    .getImage(name)
    .inspect()
    .then(() => true)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return false;
      throw error;
    });
  if (present) return name;
  const output = (await docker.importImage(tarOf([{ name: 'certs/' }]), { repo: EMPTY_IMAGE.repo, tag: EMPTY_IMAGE.tag })) as Readable;
  for await (const chunk of output) {
    const text = String(chunk);
    if (text.includes('"error"')) throw new Error(`importing ${name} failed: ${text.trim()}`);
  }
  return name;
}

/**
 * Makes an engine trust a registry's CA: writes /etc/docker/certs.d/HOST:PORT/ca.crt on the
 * engine's machine through its own API (a container that never starts, with that folder bind
 * mounted, receives the file by putArchive), so it works on a node paas reaches only by its
 * Docker API. Idempotent.
 */
export async function installRegistryCa(docker: Docker, server: string, caPem: string): Promise<void> {
  try {
    const image = await ensureEmptyImage(docker);
    const container = await docker.createContainer({
      Image: image,
      Cmd: ['/never-runs'],
      Labels: { 'paas.purpose': 'registry-ca' },
      HostConfig: { Binds: [`${CERTS_DIR}:/certs`] },
    });
    try {
      await container.putArchive(tarOf([{ name: `${server}/` }, { name: `${server}/ca.crt`, body: caPem }]), { path: '/certs' });
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  } catch (error) {
    throw new UserError(`installing the CA of ${server} in ${CERTS_DIR} failed: ${dockerMessage(error)}`);
  }
}
