/** Test helpers: throw-away conf folders and a fixed network interface table. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, type NetworkInterfaceInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { isStrowgerError, type StrowgerError } from '../../../src/util/errors';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** Writes `files` (path -> content) under a fresh temp folder; returns the folder's conf/ path. */
export function makeConf(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'strowger-conf-'));
  made.push(root);
  const conf = join(root, 'conf');
  mkdirSync(conf, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    const p = join(conf, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return conf;
}

const v4 = (address: string, cidr: string, internal: boolean): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr,
});

/** lo 127.0.0.1/8 and eth0 192.168.1.10/24. */
export const FAKE_INTERFACES = {
  lo: [v4('127.0.0.1', '127.0.0.1/8', true)],
  eth0: [v4('192.168.1.10', '192.168.1.10/24', false)],
};

/** Runs fn, expects a StrowgerError, returns it. */
export function catchConfigError(fn: () => unknown): StrowgerError {
  try {
    fn();
  } catch (e) {
    if (isStrowgerError(e)) return e;
    throw e;
  }
  throw new Error('expected a StrowgerError, nothing was thrown');
}

/** A minimal valid profile with extra settings lines. */
export function profileXml(name: string, port: number | string, extra = ''): string {
  return `<profile name="${name}">
  <settings>
    <param name="sip-ip" value="127.0.0.1"/>
    <param name="sip-port" value="${port}"/>
${extra}  </settings>
</profile>
`;
}
