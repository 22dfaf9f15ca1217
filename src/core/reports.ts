/** Report sections: each part contributes lines to `apps:report` without the core knowing it. */
export type ReportSection = (app: string) => Promise<Array<[string, string]>> | Array<[string, string]>;

export class ReportRegistry {
  private readonly sections: Array<{ title: string; render: ReportSection }> = [];

  add(title: string, render: ReportSection): void {
    this.sections.push({ title, render });
  }

  async render(app: string): Promise<Array<{ title: string; rows: Array<[string, string]> }>> {
    const out = [];
    for (const section of this.sections) out.push({ title: section.title, rows: await section.render(app) });
    return out;
  }
}

/** Dokku's report layout: a header, then aligned "Label: value" lines. */
export function renderReport(header: string, rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 2;
  const lines = [`=====> ${header}`];
  for (const [label, value] of rows) lines.push(`       ${`${label}:`.padEnd(width)}${value}`.trimEnd());
  return `${lines.join('\n')}\n`;
}
