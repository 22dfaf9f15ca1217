import { UserError } from '../../core/errors.js';
import { printable } from '../../core/names.js';
import type { PropertiesTable } from '../../store/properties.js';

/** Where the buildpack builder keeps its settings in store.properties. */
export const SETTINGS = {
  buildpacksNamespace: 'buildpacks',
  list: 'list',
  stack: 'stack',
  /** Global only: buildpack git URLs may reach private and loopback addresses. */
  allowPrivateUrls: 'allow-private-urls',
} as const;

export function privateUrlsAllowed(properties: PropertiesTable): boolean {
  return properties.get(null, SETTINGS.buildpacksNamespace, SETTINGS.allowPrivateUrls) === 'true';
}

/** The app's buildpacks (buildpacks:add), in order. */
export function buildpackList(properties: PropertiesTable, appId: number): string[] {
  const raw = properties.get(appId, SETTINGS.buildpacksNamespace, SETTINGS.list);
  return raw ? raw.split('\n').filter(Boolean) : [];
}

export function saveBuildpackList(properties: PropertiesTable, appId: number, list: readonly string[]): void {
  properties.set(appId, SETTINGS.buildpacksNamespace, SETTINGS.list, list.length ? list.join('\n') : undefined);
}

/** The named Docker volume that keeps an app's build cache (CACHE_DIR) between builds. */
export function cacheVolumeName(instance: string, appId: number): string {
  return `paas-cache-${instance}-${appId}`;
}

const IMAGE_REFERENCE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

/** A Docker image reference for `buildpacks:set-property stack`. */
export function assertImageReference(image: string): string {
  if (!IMAGE_REFERENCE.test(image) || image.length > 255) {
    throw new UserError(`invalid stack image "${printable(image)}": use an image name like registry.example.com/stacks/mine:1`);
  }
  return image;
}
