import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CERTIFICATES_FILE, EXPORT_FILES, type ExportFileName } from '#shared/export/manifest.js';

/**
 * Reads an export folder for `verify`: each JSONL file line by line (constant memory) while
 * hashing its raw bytes, so the digest covers exactly what was read.
 */
export class ExportReader {
  readonly #dir: string;
  readonly #digests = new Map<ExportFileName, { hash: Hash; bytes: number } | null>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  manifest(): string | null {
    const p = join(this.#dir, 'manifest.json');
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  keyFiles(): Map<string, string> {
    const dir = join(this.#dir, 'keys');
    const files = new Map<string, string>();
    if (!existsSync(dir)) return files;
    for (const name of readdirSync(dir)) if (name.endsWith('.pem')) files.set(name, readFileSync(join(dir, name), 'utf8'));
    return files;
  }

  async *lines(file: ExportFileName): AsyncIterable<string> {
    const path = join(this.#dir, file);
    if (!existsSync(path)) {
      this.#digests.set(file, null);
      return;
    }
    const d = { hash: createHash('sha256'), bytes: 0 };
    this.#digests.set(file, d);
    // Pulling chunks with for-await keeps the file paused while the verifier works: memory stays
    // at one chunk plus one line however large the file. Lines split on \n only; a \r left on a
    // line makes that record non-canonical, as it should (the file was altered).
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
      d.hash.update(chunk);
      d.bytes += chunk.length;
      const parts = (rest + decoder.write(chunk)).split('\n');
      rest = parts.pop() ?? '';
      yield* parts;
    }
    rest += decoder.end();
    if (rest !== '') yield rest;
  }

  /** Digests of every file; files not read through `lines` (requests.csv) are hashed here. */
  async digests(): Promise<Record<ExportFileName, { sha256: string; bytes: number } | null>> {
    const out = {} as Record<ExportFileName, { sha256: string; bytes: number } | null>;
    for (const f of [...EXPORT_FILES, CERTIFICATES_FILE] as const) {
      if (!this.#digests.has(f)) for await (const _ of this.lines(f)) void _;
      const d = this.#digests.get(f);
      out[f] = d === null || d === undefined ? null : { sha256: d.hash.digest('hex'), bytes: d.bytes };
    }
    return out;
  }
}
