/** What a store contract runs against: the store, a second instance over the same state, and its cleanup. */
export interface ContractSubject<S> {
  store: S;
  /** A second instance over the same state (another process, another Lambda container). */
  another(): S;
  close(): Promise<void>;
}

/** The in-memory adapter as a contract subject: its "other instance" is itself (one process holds the state). */
export function memorySubject<S>(store: S): ContractSubject<S> {
  return { store, another: () => store, close: async () => undefined };
}
