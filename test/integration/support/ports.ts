/** Loopback port finding for real-client tests (bounded tries, 127.0.0.1 only). */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, HOST, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => {
      u.close();
      resolve(false);
    });
    u.bind(port, HOST, () => u.close(() => resolve(true)));
  });
}

/** An ephemeral TCP port the kernel hands out right now. */
export function ephemeralTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export interface PortSearch {
  /** How many consecutive ports must be free (TCP and UDP on each); default 1. */
  span?: number;
  /** Search this range [min, max] instead of the kernel's ephemeral ports. */
  range?: [number, number];
  /** Ports already handed out by this process (skipped, then added). */
  taken?: Set<number>;
}

const handedOut = new Set<number>();

/**
 * A loopback port P such that P..P+span-1 are free for both TCP and UDP now. Randomised so that
 * parallel test files rarely race for the same port; bounded to 50 tries.
 */
export async function freePort({ span = 1, range, taken = handedOut }: PortSearch = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    let base: number;
    if (range) {
      const [min, max] = range;
      base = min + Math.floor(Math.random() * (max - min - span + 2));
    } else {
      base = await ephemeralTcpPort();
      if (base + span - 1 > 65535) continue;
    }
    let ok = true;
    for (let p = base; p < base + span && ok; p++) {
      ok = !taken.has(p) && (await tcpFree(p)) && (await udpFree(p));
    }
    if (ok) {
      for (let p = base; p < base + span; p++) taken.add(p);
      return base;
    }
  }
  throw new Error(`no free loopback port${range ? ` in ${range[0]}-${range[1]}` : ''} (span ${span})`);
}
