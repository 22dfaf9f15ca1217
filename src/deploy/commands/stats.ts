import type Docker from 'dockerode';
import { requireApp } from '../../core/app-lookup.js';
import { FORMAT_FLAG, renderTable, writeJson } from '../../core/output.js';
import { formatSize } from '../../core/sizes.js';
import type { DeployServices } from '../services.js';

export interface ContainerStats {
  process: string;
  container: string;
  /** Percent of one CPU (200 = two CPUs busy), as docker stats shows it. */
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

/** ps:stats: memory and CPU of an app's running containers, from one Docker stats sample each. */
export function registerStatsCommands(services: DeployServices): void {
  const { api, scheduler, docker } = services;
  const { commands, store } = api;
  commands.register({
    name: 'ps:stats',
    summary: "Show CPU and memory use of an app's running containers (one Docker stats sample)",
    usage: 'APP [--format json]',
    description: 'CPU is in percent of one core, as docker stats prints it; memory leaves out the page cache.',
    examples: ['paas ps:stats blog', 'paas ps:stats blog --format json'],
    flags: FORMAT_FLAG,
    arity: [1, 1],
    async handler({ args: [name], flags, stdout }) {
      const app = requireApp(store, name);
      const release = store.releases.current(app.id);
      const running = (await scheduler.list(app.id)).filter((p) => p.running && p.release === release?.version);
      const stats = (
        await Promise.all(
          running.map((p) => sample(docker, p.id).then((s) => s && { process: `${p.type}.${p.index}`, container: p.name, ...s })),
        )
      ).filter((s): s is ContainerStats => s !== undefined);
      if (flags.format === 'json') return writeJson(stdout, stats);
      stdout.write(
        renderTable(
          ['PROCESS', 'CPU %', 'MEMORY', 'LIMIT'],
          stats.map((s) => [s.process, s.cpuPercent.toFixed(1), formatSize(s.memoryBytes), formatSize(s.memoryLimitBytes)]),
        ),
      );
    },
  });
}

/** Docker's one-shot stats of a container (it waits for a second sample, so CPU has a delta); undefined when it is gone. */
async function sample(docker: Docker, id: string): Promise<Omit<ContainerStats, 'process' | 'container'> | undefined> {
  try {
    const raw = (await docker.getContainer(id).stats({ stream: false })) as unknown as RawStats;
    return statsOf(raw);
  } catch {
    return undefined;
  }
}

interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { inactive_file?: number; total_inactive_file?: number } };
}

/** docker stats' arithmetic: CPU from the delta of two samples, memory without the inactive page cache. */
export function statsOf(raw: RawStats): Omit<ContainerStats, 'process' | 'container'> {
  const cpuDelta = (raw.cpu_stats?.cpu_usage?.total_usage ?? 0) - (raw.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (raw.cpu_stats?.system_cpu_usage ?? 0) - (raw.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = raw.cpu_stats?.online_cpus ?? 1;
  const cache = raw.memory_stats?.stats?.inactive_file ?? raw.memory_stats?.stats?.total_inactive_file ?? 0;
  return {
    cpuPercent: cpuDelta > 0 && systemDelta > 0 ? Math.round((cpuDelta / systemDelta) * cpus * 1000) / 10 : 0,
    memoryBytes: Math.max(0, (raw.memory_stats?.usage ?? 0) - cache),
    memoryLimitBytes: raw.memory_stats?.limit ?? 0,
  };
}
