/**
 * The Docker networks an app's containers join besides the paas network: parts that own
 * services (postgres) name the networks of the services an app is linked to. Only linked apps
 * are on a service's network, so an unlinked app cannot reach the service at all.
 */
export type AppNetworkProvider = (appId: number) => string[];

export class AppNetworkRegistry {
  private readonly providers: AppNetworkProvider[] = [];

  add(provider: AppNetworkProvider): void {
    this.providers.push(provider);
  }

  of(appId: number): string[] {
    return [...new Set(this.providers.flatMap((provider) => provider(appId)))];
  }
}
