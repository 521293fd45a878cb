/**
 * Loads the RFC 4475 / RFC 5118 torture messages from ../shared/fixtures (see their READMEs).
 * RFC 5118 files are converted to the messages they describe: LF -> CRLF, the header section
 * closed with an empty line, Content-Length recomputed from the CRLF body. Nothing else changes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../../../../shared/fixtures');

export interface ManifestEntry {
  name: string;
  file: string;
  section: string;
  title: string;
  expect: string;
  kind?: string;
  sha256: string;
  note?: string;
}

export interface Fixture extends ManifestEntry {
  rfc: '4475' | '5118';
  /** The bytes to parse (converted for RFC 5118). */
  bytes: Buffer;
  /** The bytes as stored. */
  raw: Buffer;
}

/** Every `<sha256>  <file>` line of SHA256SUMS that does not match the file on disk. */
export function checkSums(dir: string): string[] {
  const bad: string[] = [];
  const lines = readFileSync(resolve(dir, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const sum = line.slice(0, sp);
    const file = line.slice(sp).trim().replace(/^\*/, '');
    const actual = createHash('sha256').update(readFileSync(resolve(dir, file))).digest('hex');
    if (actual !== sum) bad.push(file);
  }
  if (lines.length === 0) bad.push('(empty SHA256SUMS)');
  return bad;
}

/** RFC 5118 README: LF -> CRLF, close the header section, recompute Content-Length. */
export function convert5118(raw: Buffer): Buffer {
  const text = raw.toString('latin1').split('\n').join('\r\n');
  const sep = text.indexOf('\r\n\r\n');
  let head: string;
  let body: string;
  if (sep < 0) {
    head = text.endsWith('\r\n') ? text.slice(0, -2) : text;
    body = '';
  } else {
    head = text.slice(0, sep);
    body = text.slice(sep + 4);
  }
  const length = Buffer.byteLength(body, 'latin1');
  const lines = head.split('\r\n').map((l) => (/^content-length\s*:/i.test(l) ? `Content-Length: ${length}` : l));
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1');
}

export function loadFixtures(rfc: '4475' | '5118'): Fixture[] {
  const dir = resolve(FIXTURES, `rfc${rfc}`);
  const manifest = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')) as { messages: ManifestEntry[] };
  return manifest.messages.map((m) => {
    const raw = readFileSync(resolve(dir, m.file));
    return { ...m, rfc, raw, bytes: rfc === '5118' ? convert5118(raw) : raw };
  });
}
