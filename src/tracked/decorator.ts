/**
 * `@tracked`: a method decorator (and `tracked(fn)` for plain functions) that
 * opens a run around each call, logs the call's arguments as params, and ends
 * the run FINISHED, or FAILED when the call throws.
 *
 * One implementation serves TC39 standard decorators and legacy
 * `experimentalDecorators`, so it works whatever the compiler settings.
 *
 * @module
 */
import { runScope, TrackingClient } from "../client/client.ts";
import { captureParams, type ParamSelection } from "./param_capture.ts";
import { uniqueRunName } from "./run_names.ts";
import type { RedactOption } from "../core/redact.ts";
import { errorTags } from "../core/error_tags.ts";
import type { Run } from "../client/run.ts";
import type { TagsInput } from "../core/types.ts";

/**
 * Options of {@linkcode tracked}.
 *
 * @example
 * ```ts
 * import type { TrackedOptions } from "@oicm/tracking";
 * const opts: TrackedOptions = { experiment: "sweeps", params: { lr: "learning_rate" } };
 * ```
 */
export interface TrackedOptions<A extends readonly unknown[] = unknown[]> {
  /** The client to log with; `TrackingClient.fromEnv()` (made once) by default. */
  client?: TrackingClient;
  /** The experiment (by name) the runs go to; the client's active one by default. */
  experiment?: string;
  /**
   * The run name, or a function of the call's arguments (typed as the
   * function's own); by default the method's name with a short unique part,
   * `Trainer.train-3f9a`, so that runs of one method can be told apart.
   */
  runName?: string | ((...args: A) => string);
  /** Which arguments become params: names to keep, a record of renames, or a function. */
  params?: ParamSelection;
  /** More secret key names (or patterns) to log as `***`, or `false` to redact nothing. */
  redact?: RedactOption;
  /** Log the return value: a number as metric `return`, a record of numbers as metrics. */
  logReturn?: boolean;
  /** Tags for every run, as labels or a record. */
  tags?: TagsInput;
  /** Sample system metrics while each run is open. */
  logSystemMetrics?: boolean;
}

/**
 * Any function or method; `tracked` keeps its exact type.
 *
 * @example
 * ```ts
 * import type { TrackableFunction } from "@oicm/tracking";
 * const f: TrackableFunction = (a: number) => a * 2;
 * ```
 */
export type TrackableFunction = (this: never, ...args: never[]) => unknown;

/**
 * `tracked(options)` returns this: usable as a standard or a legacy decorator.
 * `A` is the decorated method's argument types, which TypeScript takes from
 * the method itself, so `runName: (lr) => ...` sees `lr` as the method's type.
 *
 * @example
 * ```ts
 * import { tracked, type TrackedDecorator } from "@oicm/tracking";
 * const decorate: TrackedDecorator = tracked({ runName: "train" });
 * ```
 */
export interface TrackedDecorator<A extends readonly unknown[] = never[]> {
  /** TC39 standard decorator form (the method is replaced by one that opens a run per call). */
  (value: (this: never, ...args: A) => unknown, context: ClassMethodDecoratorContext): void;
  /** Legacy `experimentalDecorators` form. */
  (target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
}

let fallbackClient: TrackingClient | undefined;

function clientOf(options: { client?: TrackingClient }): TrackingClient {
  return options.client ?? (fallbackClient ??= TrackingClient.fromEnv());
}

function logReturnValue(run: Run, value: unknown): void {
  if (typeof value === "number") run.logMetric("return", value);
  else if (value !== null && typeof value === "object") {
    const numbers = Object.entries(value).filter(([, v]) => typeof v === "number");
    if (numbers.length > 0) run.logMetrics(Object.fromEntries(numbers) as Record<string, number>);
  }
}

/** Wraps `fn` so that each call runs inside its own run. */
function wrap<F extends TrackableFunction>(
  fn: F,
  options: TrackedOptions<never[]>,
  defaultName: (self: unknown) => string,
): F {
  const wrapped = function (this: unknown, ...args: never[]): unknown {
    const client = clientOf(options);
    // Every value the client knows to be a secret (its key...) is scrubbed from what is rendered.
    const scrub = (text: string) => client.redactSecrets(text);
    const runName = scrub(
      typeof options.runName === "function"
        ? options.runName(...args)
        : options.runName ?? uniqueRunName(defaultName(this)),
    );
    const run = client.openRun({
      runName,
      resume: false,
      nested: true,
      tags: options.tags,
      experimentName: options.experiment,
      logSystemMetrics: options.logSystemMetrics,
    });
    const captured = captureParams(fn, args, options.params, options.redact ?? [], scrub);
    for (const reason of captured.skipped) {
      client.notice(`@tracked ${runName}: param skipped: ${reason}`);
    }
    try {
      run.logParams(captured.params);
    } catch (err) {
      client.notice(`@tracked ${runName}: params not logged: ${(err as Error).message}`);
    }
    const fail = (err: unknown) => {
      try {
        run.setTags(errorTags(err, scrub));
      } catch { /* the run still ends FAILED */ }
      return run.endDetached("FAILED");
    };
    const succeed = (value: unknown) => {
      if (options.logReturn) {
        try {
          logReturnValue(run, value);
        } catch (err) {
          client.notice(`@tracked ${runName}: return value not logged: ${(err as Error).message}`);
        }
      }
      return run.endDetached("FINISHED");
    };
    let result: unknown;
    try {
      result = runScope.run(run, () => fn.apply(this as never, args));
    } catch (err) {
      void fail(err);
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        async (value) => {
          await succeed(value);
          return value;
        },
        async (err) => {
          await fail(err);
          throw err;
        },
      );
    }
    void succeed(result);
    return result;
  };
  Object.defineProperty(wrapped, "name", { value: fn.name });
  return wrapped as unknown as F;
}

function className(self: unknown): string {
  if (typeof self === "function") return self.name; // a static method
  return (self as { constructor?: { name?: string } } | null)?.constructor?.name ?? "";
}

function decorator(options: TrackedOptions<never[]>): TrackedDecorator {
  return ((value: unknown, context: unknown, descriptor?: PropertyDescriptor) => {
    if (descriptor !== undefined && typeof descriptor.value === "function") {
      const key = String(context);
      descriptor.value = wrap(descriptor.value, options, (self) => `${className(self)}.${key}`);
      return descriptor;
    }
    const ctx = context as ClassMethodDecoratorContext;
    if (typeof value !== "function" || ctx?.kind !== "method") {
      throw new TypeError("@tracked decorates methods; use tracked(fn) for a plain function");
    }
    const key = String(ctx.name);
    return wrap(value as TrackableFunction, options, (self) => `${className(self)}.${key}`);
  }) as TrackedDecorator;
}

/**
 * Records each call as a run: the arguments as params (names recovered from
 * the source, plain objects flattened into dotted keys, secrets as `***`),
 * the run ended FINISHED, or FAILED with `error.type` and `error.message`
 * tags when the call throws (the same error is rethrown). A call made while
 * a run is active becomes its child run; concurrent calls each get their own.
 *
 * An async method resolves after its run has ended. A sync method stays sync:
 * its run is created, logged and ended in the background, in order;
 * `await client.flush()` waits for it, and `client.lastActiveRun()` gives its
 * handle (`await run.ready` for the id).
 *
 * @example On a method, and on a plain function
 * ```ts
 * import { tracked, TrackingClient } from "@oicm/tracking";
 * import { FakeMlflowServer } from "@oicm/tracking/testing";
 *
 * const client = new TrackingClient({ apiHost: "http://fake", fetch: new FakeMlflowServer().fetch });
 *
 * class Trainer {
 *   @tracked({ client, logReturn: true })
 *   async train(epochs: number, opts: { lr: number; apiKey: string }) {
 *     for (let e = 0; e < epochs; e++) client.logMetric("loss", 1 / (e + 1), { step: e });
 *     return { accuracy: 0.9 };
 *   }
 * }
 * await new Trainer().train(3, { lr: 0.01, apiKey: "hidden" });
 * // params: epochs=3, opts.lr=0.01, opts.apiKey=***; metrics: loss, accuracy
 *
 * const evaluate = tracked((split: string) => split.length, { client, runName: "eval" });
 * evaluate("test");
 * await client.close();
 * ```
 */
export function tracked<F extends TrackableFunction>(
  value: F,
  context: ClassMethodDecoratorContext,
): F;
/**
 * `@tracked` under legacy `experimentalDecorators`.
 *
 * @example
 * ```ts ignore
 * class Trainer {
 *   @tracked
 *   fit(epochs: number) {}
 * }
 * ```
 */
export function tracked(
  target: object,
  key: string | symbol,
  descriptor: PropertyDescriptor,
): PropertyDescriptor;
/**
 * `@tracked({ ... })`: a decorator with options, for standard or legacy
 * decorators. `runName`'s arguments take the decorated method's types.
 *
 * @example
 * ```ts ignore
 * class Trainer {
 *   @tracked({ experiment: "sweeps", runName: (lr) => `lr=${lr.toFixed(3)}` })
 *   fit(lr: number) {}
 * }
 * ```
 */
export function tracked<A extends readonly unknown[] = never[]>(
  options: TrackedOptions<A>,
): TrackedDecorator<A>;
/**
 * `tracked(fn, options)`: wraps a plain or arrow function so each call is a
 * run; `runName`'s arguments have `fn`'s types.
 *
 * @example
 * ```ts ignore
 * const train = tracked((lr: number, epochs: number) => lr * epochs, {
 *   runName: (lr, epochs) => `lr=${lr.toFixed(3)} x${epochs}`,
 * });
 * train(0.01, 10);
 * ```
 */
export function tracked<F extends TrackableFunction>(
  fn: F,
  options?: TrackedOptions<Parameters<F>>,
): F;
export function tracked(...args: unknown[]): unknown {
  const [first, second, third] = args;
  if (args.length === 3 && typeof third === "object" && third !== null) {
    return decorator({})(first as object, second as string, third as PropertyDescriptor);
  }
  const ctx = second as { kind?: unknown } | undefined;
  if (typeof first === "function" && ctx !== undefined && typeof ctx.kind === "string") {
    return decorator({})(first as TrackableFunction, second as ClassMethodDecoratorContext);
  }
  if (typeof first === "function") {
    const fn = first as TrackableFunction;
    return wrap(fn, (second ?? {}) as TrackedOptions<never[]>, () => fn.name || "anonymous");
  }
  return decorator((first ?? {}) as TrackedOptions<never[]>);
}
