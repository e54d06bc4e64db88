import { createWriteStream, mkdirSync, readdirSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ExportFileName, ExportManifest } from '#shared/export/manifest.js';
import type { ExportSink } from '#shared/use-cases/export-records.js';
import { UsageError } from './io.js';

/** Exports go to a new or empty folder, never over another export. Throws UsageError otherwise. */
export function assertNewExportDir(dir: string): void {
  let existing: string[];
  try {
    existing = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`--out ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is a file' : (e as Error).message}`);
  }
  if (existing.length > 0) throw new UsageError(`--out ${dir} is not empty; exports go to a new folder`);
}

/**
 * The export folder: streams each file to disk with backpressure (an export is never held in
 * memory), keys under keys/, manifest.json last — a folder without a manifest is an export
 * that did not finish.
 */
export function fileSink(dir: string): ExportSink & { close(): Promise<void> } {
  assertNewExportDir(dir);
  mkdirSync(join(dir, 'keys'), { recursive: true });
  const streams = new Map<ExportFileName, WriteStream>();
  const stream = (file: ExportFileName): WriteStream => {
    let s = streams.get(file);
    if (s === undefined) {
      s = createWriteStream(join(dir, file));
      streams.set(file, s);
    }
    return s;
  };
  return {
    async append(file, chunk) {
      const s = stream(file);
      if (!s.write(chunk)) await once(s, 'drain');
    },
    async key(keyId, pem) {
      writeFileSync(join(dir, 'keys', `${keyId}.pem`), pem);
    },
    async manifest(manifest: ExportManifest) {
      for (const s of streams.values()) {
        s.end();
        await once(s, 'finish');
      }
      streams.clear();
      writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    },
    async close() {
      for (const s of streams.values()) s.destroy();
    },
  };
}
