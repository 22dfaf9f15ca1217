import Docker from 'dockerode';
import { ensureStackImages } from '../../src/build/buildpacks/stack.js';
import { ensureBuiltImage } from '../../src/plugins/service-kit/image.js';
import { REDIS } from '../../src/plugins/redis/redis-service.js';
import { TEST_LOCK_DIR, ensureBusyboxImage } from '../fixtures/images.js';

/**
 * Runs once before the integration suites, so suites running in parallel do not each build:
 * the busybox base the sample Dockerfile apps build FROM, and the buildpack stack (minutes the
 * first time on a machine; scripts/install.sh usually made it already), and paas/redis:7 from
 * Debian's redis-server (no registry answers here; reused while its definition is unchanged).
 */
export default async function setup(): Promise<void> {
  const docker = new Docker();
  await ensureBusyboxImage(docker);
  let last = Date.now();
  await ensureStackImages(
    docker,
    (line) => {
      if (Date.now() - last > 10_000) {
        last = Date.now();
        console.log(`[global-setup] stack: ${line}`);
      }
    },
    TEST_LOCK_DIR,
  );
  await ensureBuiltImage(
    docker,
    REDIS,
    (line) => {
      if (Date.now() - last > 10_000) {
        last = Date.now();
        console.log(`[global-setup] redis image: ${line}`);
      }
    },
    TEST_LOCK_DIR,
  );
}
