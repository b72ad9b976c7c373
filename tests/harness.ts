/**
 * One `test` function for suites that run under both Deno (`deno test`) and
 * Bun (`bun test`): Deno.test where Deno is, bun:test's `test` elsewhere.
 */
type TestFn = () => void | Promise<void>;

const deno = (globalThis as { Deno?: { test(name: string, fn: TestFn): void } }).Deno;
const bunTest = "bun:test";

/** Registers a test with the runtime's own runner. */
export const test: (name: string, fn: TestFn) => void = deno
  ? (name, fn) => deno.test(name, fn)
  : ((await import(bunTest)) as { test: (name: string, fn: TestFn) => void }).test;

/** Whether this is Bun. */
export const isBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
