import type { Catalog, CatalogTable } from '../../ports/catalog.js';
import type { Clock } from '../../ports/clock.js';

export interface CachedCatalogOptions {
  /** Reads the whole catalog (every table with its columns). */
  load: () => Promise<CatalogTable[]>;
  clock: Clock;
  /** A snapshot older than this is reloaded on the next lookup. */
  ttlMs?: number;
  /** A lookup that misses reloads at most this often (a table created since the last load). */
  missRefreshMs?: number;
}

const up = (s: string): string => s.toUpperCase();

/**
 * A catalog snapshot cached with a TTL and refreshed on a miss (at most every `missRefreshMs`),
 * so a table created after start-up is found, and a stream of unknown names costs one load per
 * interval, not one per query. Concurrent lookups share one load.
 */
export class CachedCatalog implements Catalog {
  readonly #opts: Required<CachedCatalogOptions>;
  #snapshot: { at: number; byName: Map<string, CatalogTable[]> } | null = null;
  #loading: Promise<void> | null = null;

  constructor(opts: CachedCatalogOptions) {
    this.#opts = { ttlMs: 5 * 60_000, missRefreshMs: 10_000, ...opts };
  }

  async tables(parts: readonly string[]): Promise<CatalogTable[] | null> {
    const now = this.#opts.clock.now().getTime();
    if (this.#snapshot === null || now - this.#snapshot.at >= this.#opts.ttlMs) await this.#reload();
    let found = this.#lookup(parts);
    if (found === null && this.#snapshot !== null && now - this.#snapshot.at >= this.#opts.missRefreshMs) {
      await this.#reload();
      found = this.#lookup(parts);
    }
    return found;
  }

  #lookup(parts: readonly string[]): CatalogTable[] | null {
    const name = parts[parts.length - 1];
    if (name === undefined || this.#snapshot === null) return null;
    const candidates = this.#snapshot.byName.get(up(name)) ?? [];
    const schema = parts.length >= 2 ? parts[parts.length - 2] : undefined;
    const database = parts.length >= 3 ? parts[parts.length - 3] : undefined;
    const hits = candidates.filter((t) => (schema === undefined || up(t.schema) === up(schema)) && (database === undefined || up(t.database) === up(database)));
    return hits.length === 0 ? null : hits;
  }

  #reload(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        const tables = await this.#opts.load();
        const byName = new Map<string, CatalogTable[]>();
        for (const t of tables) byName.set(up(t.name), [...(byName.get(up(t.name)) ?? []), t]);
        this.#snapshot = { at: this.#opts.clock.now().getTime(), byName };
      } finally {
        this.#loading = null;
      }
    })();
    return this.#loading;
  }
}
