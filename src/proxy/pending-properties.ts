import type { Store } from '../store/store.js';
import type { PropertyReader } from './app-state.js';

interface Write {
  appId: number | null;
  namespace: string;
  key: string;
  value: string | undefined;
}

const keyOf = (appId: number | null, namespace: string, key: string) => `${appId ?? ''}\u0000${namespace}\u0000${key}`;

/**
 * Property changes that only reach the store once nginx accepted the config they render to:
 * reads see them, `commit` stores them, and the returned undo puts the old values back.
 */
export class PendingProperties implements PropertyReader {
  private readonly writes = new Map<string, Write>();

  constructor(private readonly store: Store) {}

  get(appId: number | null, namespace: string, key: string): string | undefined {
    const pending = this.writes.get(keyOf(appId, namespace, key));
    return pending ? pending.value : this.store.properties.get(appId, namespace, key);
  }

  all(appId: number | null, namespace: string): Record<string, string> {
    const values = this.store.properties.all(appId, namespace);
    for (const write of this.writes.values()) {
      if (write.appId !== appId || write.namespace !== namespace) continue;
      if (write.value === undefined) delete values[write.key];
      else values[write.key] = write.value;
    }
    return values;
  }

  set(appId: number | null, namespace: string, key: string, value: string | undefined): void {
    this.writes.set(keyOf(appId, namespace, key), { appId, namespace, key, value });
  }

  get size(): number {
    return this.writes.size;
  }

  /** Stores every pending write in one transaction; returns how to undo it. */
  commit(): () => void {
    const { store } = this;
    const writes = [...this.writes.values()];
    const previous = writes.map((w) => ({ ...w, value: store.properties.get(w.appId, w.namespace, w.key) }));
    const apply = (list: readonly Write[]) =>
      store.transaction(() => {
        for (const w of list) store.properties.set(w.appId, w.namespace, w.key, w.value);
      });
    apply(writes);
    return () => apply(previous);
  }
}
