/** The compiled library's full path (build/papers.so, .dylib or .dll). */
export function getLoadablePath(): string;
/** Loads papers into a connection with loadExtension(path), such as better-sqlite3's. */
export function load(db: { loadExtension(path: string): unknown }): void;
/** The package's version, which papers_version() returns too. */
export const version: string;
