import { type Socket, createSocket } from 'node:dgram';

/**
 * A tiny DNS server for tests (UDP, IPv4 answers only, TTL 0), to point the daemon's PAAS_DNS_SERVERS
 * at. Each name answers a list of address sets in turn, the last one for good: [['93.184.216.34'],
 * ['127.0.0.1']] is a rebinding name, public to the first question and loopback to every later one.
 * It counts the A questions per name, so a test can tell whether a client asked twice.
 */
export interface TestDns {
  /** `127.0.0.1:PORT`, for PAAS_DNS_SERVERS. */
  server: string;
  answer(name: string, ...sets: string[][]): void;
  /** How many A questions `name` got so far. */
  asked(name: string): number;
  close(): Promise<void>;
}

export async function startTestDns(): Promise<TestDns> {
  const answers = new Map<string, string[][]>();
  const counts = new Map<string, number>();
  const socket: Socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    const reply = respond(query, (name, type) => {
      const sets = answers.get(name);
      if (!sets) return undefined;
      if (type !== 1) return [];
      const seen = counts.get(name) ?? 0;
      counts.set(name, seen + 1);
      return sets[Math.min(seen, sets.length - 1)];
    });
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    answer: (name, ...sets) => {
      answers.set(name.toLowerCase(), sets);
      counts.delete(name.toLowerCase());
    },
    asked: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** The reply to one query: its question, then the A records `lookup` gives (NXDOMAIN when it gives none). */
function respond(query: Buffer, lookup: (name: string, type: number) => string[] | undefined): Buffer | undefined {
  if (query.length < 17) return undefined;
  const labels: string[] = [];
  let offset = 12;
  while (offset < query.length && query[offset] !== 0) {
    const length = query[offset];
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  offset += 1;
  if (offset + 4 > query.length) return undefined;
  const type = query.readUInt16BE(offset);
  const question = query.subarray(12, offset + 4);
  const name = labels.join('.').toLowerCase();
  const found = lookup(name, type);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | (query.readUInt16BE(2) & 0x0100) | (found === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found?.length ?? 0, 6);
  const records = (found ?? []).map((address) => {
    const data = Buffer.from(address.split('.').map(Number));
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4);
    record.writeUInt32BE(0, 6); // TTL 0: nobody may cache it
    record.writeUInt16BE(data.length, 10);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, question, ...records]);
}
