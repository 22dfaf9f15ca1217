import Docker from 'dockerode';
import { ensureBusyboxImage } from '../fixtures/images.js';

/** Runs once before the integration suites: the base image the sample apps build FROM. */
export default async function setup(): Promise<void> {
  await ensureBusyboxImage(new Docker());
}
