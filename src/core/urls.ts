/** Where an app answers: parts that route traffic (the proxy) say so here. */
export type UrlProvider = (app: string) => Promise<string[]> | string[];

/** Where the dashboard answers through the proxy, and report rows about its site (certificate). */
export interface DashboardSite {
  url: string;
  fields: Record<string, string>;
}

export class UrlRegistry {
  private readonly providers: UrlProvider[] = [];
  private dashboardSite: () => DashboardSite | undefined = () => undefined;

  /** The proxy says where the dashboard's domain is served (dashboard:set --global domain). */
  setDashboard(provider: () => DashboardSite | undefined): void {
    this.dashboardSite = provider;
  }

  dashboard(): DashboardSite | undefined {
    return this.dashboardSite();
  }

  add(provider: UrlProvider): void {
    this.providers.push(provider);
  }

  async of(app: string): Promise<string[]> {
    const urls: string[] = [];
    for (const provider of this.providers) urls.push(...(await provider(app)));
    return urls;
  }
}
