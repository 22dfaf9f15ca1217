/** Where an app answers: parts that route traffic (the proxy) say so here. */
export type UrlProvider = (app: string) => Promise<string[]> | string[];

export class UrlRegistry {
  private readonly providers: UrlProvider[] = [];

  add(provider: UrlProvider): void {
    this.providers.push(provider);
  }

  async of(app: string): Promise<string[]> {
    const urls: string[] = [];
    for (const provider of this.providers) urls.push(...(await provider(app)));
    return urls;
  }
}
