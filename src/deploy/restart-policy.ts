/** `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N` into Docker's form; undefined if invalid. */
export function parseRestartPolicy(text: string): { Name: string; MaximumRetryCount?: number } | undefined {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d{1,4}))?$/.exec(text);
  if (!match || (match[2] !== undefined && match[1] !== 'on-failure')) return undefined;
  return match[1] === 'on-failure' ? { Name: 'on-failure', MaximumRetryCount: Number(match[2] ?? 0) } : { Name: match[1] };
}
