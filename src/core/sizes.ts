const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * `512m`, `1g`, `1.5g`, `300000k`, `2097152b` in bytes; a bare number is in `bareUnit`.
 * Undefined when the text is not a size. Pure.
 */
export function parseSize(text: string, bareUnit: 'b' | 'k' | 'm' | 'g'): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(text.trim());
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * UNITS[(match[2] ?? bareUnit).toLowerCase()]);
}

/** 536870912 → `512m`. Pure. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}b`;
}

/** 1536 → `1.5 KB`, 0 → `0 B`: for people reading a report (1 KB = 1024 bytes). Pure. */
export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
