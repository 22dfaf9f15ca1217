import type { Writable } from 'node:stream';
import type { AppRow } from '../store/apps.js';
import type { PropertiesTable } from '../store/properties.js';
import { UserError } from './errors.js';
import { printable } from './names.js';

/**
 * Dokku's properties: a named setting of a topic (builder, nginx, git...), stored per app,
 * globally, or both. `TOPIC:set [--global|APP] KEY [VALUE]` writes one, `TOPIC:report` shows
 * the app value, the global one and the computed (effective) one under Dokku's flag names.
 */
export type PropertyScope = 'app' | 'global' | 'app+global';

export interface PropertySpec {
  key: string;
  scope: PropertyScope;
  /** One line for the set command's help. */
  summary: string;
  /** The computed value when neither the app nor the global setting has one ('' if none). */
  default?: string;
  /** Normalizes a value, or throws a UserError that says what is accepted. */
  validate?(value: string): string;
  /** Where the value lives in store.properties, when not (topic namespace, key). */
  storage?: { namespace: string; key: string };
  /** VALUE may be several words (`trusted-proxies CIDR...`): they are stored space-separated. */
  variadic?: boolean;
  /** The effective value when it is more than "app, else global, else default". */
  computed?(values: PropertyValues, app: AppRow | undefined): string;
}

export interface PropertyValues {
  app: string | undefined;
  global: string | undefined;
}

/** Read-only report rows (Dokku's "read-only flags"), keyed by the flag name after the prefix. */
export type ReportFields = (app: AppRow) => Promise<Record<string, string>> | Record<string, string>;

export interface TopicSpec {
  /** The command topic: `builder` for builder:set and builder:report. */
  topic: string;
  /** The report flag prefix (`--builder-selected`), when it is not the topic (`app` for apps). */
  prefix?: string;
  /** The word of the report header "APP <title> information", when it is not the prefix. */
  title?: string;
  /** store.properties namespace of the properties without their own storage. */
  namespace: string;
  properties: readonly PropertySpec[];
  fields?: ReportFields;
  /** Read-only fields that Dokku reports without the prefix (ps: `--deployed`, `--running`). */
  unprefixed?(key: string): boolean;
  /** Rows of `TOPIC:report --global` besides the global properties. */
  globalFields?: () => Promise<Record<string, string>> | Record<string, string>;
}

export interface PropertyChange {
  app: AppRow | undefined;
  property: PropertySpec;
  namespace: string;
  key: string;
  value: string | undefined;
}

/** A validator for properties that take `true` or `false`. */
export function trueOrFalse(what: string): (value: string) => string {
  return (value) => {
    if (value !== 'true' && value !== 'false') throw new UserError(`${what} must be true or false`);
    return value;
  };
}

/** A validator for properties that take a whole number from 1 to `max` (retention counts...). */
export function wholeNumber(what: string, max: number): (value: string) => string {
  return (value) => {
    if (!/^[1-9]\d{0,8}$/.test(value) || Number(value) > max) throw new UserError(`${what} must be a whole number from 1 to ${max}`);
    return value;
  };
}

export const prefixOf = (topic: TopicSpec): string => topic.prefix ?? topic.topic;
export const storageOf = (topic: TopicSpec, property: PropertySpec) =>
  property.storage ?? { namespace: topic.namespace, key: property.key };

export function findProperty(topic: TopicSpec, key: string): PropertySpec {
  const property = topic.properties.find((p) => p.key === key);
  if (!property) {
    const known = topic.properties.map((p) => p.key).join(', ');
    throw new UserError(`unknown ${topic.topic} property "${printable(key)}"; the properties are: ${known}`);
  }
  return property;
}

/**
 * Checks `TOPIC:set` arguments and returns the change to store: the scope must allow it and
 * the value must pass the property's validation. No value means unset.
 */
export function planChange(
  topic: TopicSpec,
  target: { app: AppRow | undefined; global: boolean },
  key: string,
  raw: string | undefined,
): PropertyChange {
  const property = findProperty(topic, key);
  if (target.global && property.scope === 'app') {
    throw new UserError(`${topic.topic} property ${key} is set per app, not with --global`);
  }
  if (!target.global && property.scope === 'global') {
    throw new UserError(`${topic.topic} property ${key} is global only: paas ${topic.topic}:set --global ${key} VALUE`);
  }
  const validated = raw === undefined || raw === '' ? undefined : property.validate ? property.validate(raw) : raw;
  const value = validated === '' ? undefined : validated;
  const { namespace, key: storedKey } = storageOf(topic, property);
  return { app: target.app, property, namespace, key: storedKey, value };
}

/** Dokku's property-set messages. */
export function writeChange(stdout: Writable, change: PropertyChange): void {
  const key = change.property.key;
  stdout.write(change.value === undefined ? `-----> Unsetting ${key}\n` : `-----> Setting ${key} to ${change.value}\n`);
}

export function propertyValues(
  properties: PropertiesTable,
  topic: TopicSpec,
  property: PropertySpec,
  appId: number | null,
): PropertyValues {
  const { namespace, key } = storageOf(topic, property);
  return {
    app: appId === null || property.scope === 'global' ? undefined : properties.get(appId, namespace, key),
    global: property.scope === 'app' ? undefined : properties.get(null, namespace, key),
  };
}

/** The value an app runs with: its own, else the global one, else the default. */
export function computedValue(property: PropertySpec, values: PropertyValues, app: AppRow | undefined): string {
  if (property.computed) return property.computed(values, app);
  return values.app ?? values.global ?? property.default ?? '';
}

/** The report rows of one app, keyed by flag name without the leading `--PREFIX-`. */
export async function appReport(properties: PropertiesTable, topic: TopicSpec, app: AppRow): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for (const property of topic.properties) {
    const values = propertyValues(properties, topic, property, app.id);
    if (property.scope !== 'global') rows.set(property.key, values.app ?? '');
    if (property.scope !== 'app') rows.set(`global-${property.key}`, values.global ?? property.default ?? '');
    rows.set(`computed-${property.key}`, computedValue(property, values, app));
  }
  for (const [key, value] of Object.entries((await topic.fields?.(app)) ?? {})) rows.set(key, value);
  return sortRows(rows);
}

/** The rows of `TOPIC:report --global`. */
export async function globalReport(properties: PropertiesTable, topic: TopicSpec): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  for (const property of topic.properties) {
    if (property.scope === 'app') continue;
    const values = propertyValues(properties, topic, property, null);
    rows.set(`global-${property.key}`, values.global ?? property.default ?? '');
  }
  for (const [key, value] of Object.entries((await topic.globalFields?.()) ?? {})) rows.set(key, value);
  return sortRows(rows);
}

function sortRows(rows: Map<string, string>): Map<string, string> {
  return new Map([...rows].sort(([a], [b]) => a.localeCompare(b)));
}

/** The report flag of a row, without the dashes: `builder-build-dir`, or `deployed` for ps. */
export function reportFlag(topic: TopicSpec, key: string): string {
  return topic.unprefixed?.(key) ? key : `${prefixOf(topic)}-${key}`;
}

/** "Builder computed build dir" from prefix `builder` and key `computed-build-dir`. */
export function reportLabel(topic: TopicSpec, key: string): string {
  const words = reportFlag(topic, key).split('-').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** `--format json`: Dokku's keys (flag names without the prefix) and the legacy prefixed ones. */
export function reportJson(topic: TopicSpec, rows: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of rows) out[key] = value;
  for (const [key, value] of rows) out[reportFlag(topic, key)] = value;
  return out;
}

/**
 * `TOPIC:report APP --PREFIX-KEY`: the one value asked for; Dokku's error for a flag
 * the report does not have.
 */
export function singleValue(topic: TopicSpec, rows: ReadonlyMap<string, string>, flag: string): string {
  const key = [...rows.keys()].find((k) => reportFlag(topic, k) === flag);
  if (key === undefined) {
    const valid = [...rows.keys()].map((k) => `--${reportFlag(topic, k)}`).join(', ');
    throw new UserError(`invalid flag passed --${printable(flag)}; valid flags: ${valid}`);
  }
  return rows.get(key)!;
}

/** The effective value of a property for an app (undefined when it is empty). */
/** The effective value for an app (row or id), or the global one for null. */
export function readProperty(properties: PropertiesTable, topic: TopicSpec, key: string, app: AppRow | number | null): string | undefined {
  const property = findProperty(topic, key);
  const [appId, row] = app === null || typeof app === 'number' ? [app, undefined] : [app.id, app];
  const value = computedValue(property, propertyValues(properties, topic, property, appId), row);
  return value === '' ? undefined : value;
}
