/**
 * Builds test/fixtures/codec/spandsp-g722.c against Debian's libspandsp into a temp dir (once per
 * test file) and runs it. Missing gcc or libspandsp-dev is reported as an error string: tests must
 * FAIL on it, never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HELPER_SRC = join(__dirname, '../../fixtures/codec/spandsp-g722.c');

export class SpandspHelper {
  readonly dir: string;
  readonly bin: string;
  /** Empty when the helper built; otherwise why not. */
  readonly setupError: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'strowger-spandsp-'));
    this.bin = join(this.dir, 'spandsp-g722');
    let err = '';
    if (!existsSync('/usr/include/spandsp.h') && !existsSync('/usr/include/x86_64-linux-gnu/spandsp.h')) {
      err = 'libspandsp-dev is not installed (apt-get install libspandsp-dev): the reference implementation is missing';
    } else {
      try {
        execFileSync('gcc', ['-O2', '-o', this.bin, HELPER_SRC, '-lspandsp'], { stdio: 'pipe', timeout: 60_000 });
      } catch (e) {
        err = `cannot build the spandsp helper: ${(e as Error).message}`;
      }
    }
    this.setupError = err;
  }

  /** Run `helper mode in out` on input bytes; returns the output file's bytes. */
  run(mode: 'enc' | 'dec' | 'g711', input: Uint8Array): Buffer {
    if (this.setupError) throw new Error(this.setupError);
    const inPath = join(this.dir, `${mode}.in`);
    const outPath = join(this.dir, `${mode}.out`);
    writeFileSync(inPath, input);
    execFileSync(this.bin, [mode, inPath, outPath], { timeout: 60_000 });
    return readFileSync(outPath);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
