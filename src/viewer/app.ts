/**
 * The viewer's routes (Hono): four pages, a small JSON API, the assets, and
 * artifacts served so they cannot run script. Read-only: anything but GET or
 * HEAD is refused; every response says `nosniff`; pages carry a CSP that
 * allows only the viewer's own script and stylesheet.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { TrackingClient } from "../../mod.ts";
import { TrackingError, ValidationError } from "../../mod.ts";
import { compareBoot, compareIds, runBoot } from "./boot.ts";
import { APP_CSS } from "./client/css.ts";
import { APP_JS } from "./client/app_js.ts";
import { checkArtifactPath, checkId, ViewerData } from "./data.ts";
import { PAGE_CSP, pageHtml } from "./page.ts";
import { reduce } from "./reduce.ts";
import { artifactType } from "./artifact_type.ts";
import { stats } from "./boot.ts";

/** Options of {@linkcode viewerApp}. */
export interface ViewerAppOptions {
  /** What the home page says it shows (a folder or a server's address, never a key). */
  source?: string;
  /** Host names the app answers to (DNS rebinding guard); any when undefined. */
  allowedHosts?: readonly string[];
  /** Searches every experiment at once, so that the first pages open without waiting. */
  warm?: boolean;
}

/**
 * The viewer as a Hono app over `client` (an offline store or a server).
 *
 * @example
 * ```ts ignore
 * import { TrackingClient } from "@oicm/tracking";
 * const app = viewerApp(new TrackingClient({ offline: true, storagePath: "./mlruns" }));
 * const res = await app.request("/");
 * ```
 */
export function viewerApp(client: TrackingClient, options: ViewerAppOptions = {}): Hono {
  const data = new ViewerData(client);
  if (options.warm) data.warm();
  const app = new Hono();

  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      return c.text("read-only: GET only", 405, { Allow: "GET, HEAD" });
    }
    const host = (c.req.header("host") ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    if (options.allowedHosts && !options.allowedHosts.includes(host)) {
      return c.text("unknown host", 403);
    }
    data.touch();
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", c.res.headers.get("Cache-Control") ?? "no-store");
  });

  const page = (c: Context, title: string, boot: Parameters<typeof pageHtml>[1], status = 200) => {
    c.header("Content-Security-Policy", PAGE_CSP);
    c.header("X-Frame-Options", "DENY");
    return c.html(pageHtml(title, boot), status as 200);
  };
  const failed = (c: Context, title: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    return page(c, title, { page: "error", title, error: message }, statusOf(err));
  };
  const apiError = (c: Context, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    return c.json({ error: message }, statusOf(err));
  };

  app.get(
    "/assets/app.js",
    (c) => c.body(APP_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get(
    "/assets/app.css",
    (c) => c.body(APP_CSS, 200, { "Content-Type": "text/css; charset=utf-8" }),
  );

  app.get("/favicon.ico", (c) => c.body(null, 204));

  app.get("/", async (c) => {
    try {
      const experiments = await data.experiments();
      return page(c, "Experiments", {
        page: "home",
        experiments,
        source: options.source ?? "",
      });
    } catch (err) {
      return failed(c, "Experiments", err);
    }
  });

  app.get("/experiments/:id", async (c) => {
    const filter = c.req.query("filter") ?? "";
    try {
      const experiment = await data.experiment(c.req.param("id"));
      try {
        const runs = await data.runs(experiment.experimentId, filter);
        return page(c, experiment.name, { page: "experiment", experiment, runs, filter });
      } catch (err) {
        const error = `this filter did not parse: ${err instanceof Error ? err.message : err}`;
        return page(c, experiment.name, {
          page: "experiment",
          experiment,
          runs: [],
          filter,
          error,
        });
      }
    } catch (err) {
      return failed(c, "Experiment", err);
    }
  });

  app.get("/runs/:id", async (c) => {
    try {
      const boot = await runBoot(data, c.req.param("id"));
      return page(c, boot.page === "run" ? boot.run.info.runName : "Run", boot);
    } catch (err) {
      return failed(c, "Run", err);
    }
  });

  app.get("/compare", async (c) => {
    try {
      const boot = await compareBoot(data, compareIds(c.req.query("runs") ?? ""));
      return page(c, "Compare", boot);
    } catch (err) {
      return failed(c, "Compare", err);
    }
  });

  app.get("/api/experiments", async (c) => {
    try {
      return c.json(await data.experiments());
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.get("/api/run", async (c) => {
    try {
      return c.json(await data.run(c.req.query("id") ?? "", false, true));
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.get("/api/series", async (c) => {
    try {
      const run = await data.run(checkId(c.req.query("run") ?? ""));
      const key = c.req.query("key") ?? "";
      // Own keys only: `constructor` or `__proto__` are in every object, and no metric of this run.
      if (!Object.hasOwn(run.data.metrics, key)) return c.json({ error: "no such metric" }, 404);
      const width = Math.min(4000, Math.max(10, Number(c.req.query("width")) || 1200));
      const from = c.req.query("from");
      const to = c.req.query("to");
      const points = await data.history(run, key);
      return c.json(
        reduce(points, width, from ? Number(from) : -Infinity, to ? Number(to) : Infinity),
      );
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.get("/api/poll", async (c) => {
    try {
      const ids = compareIds(c.req.query("runs") ?? "");
      const runs = await Promise.all(ids.map(async (id) => {
        const run = await data.run(id, true);
        const counts: Record<string, number> = {};
        const summary: Record<string, ReturnType<typeof stats>> = {};
        await Promise.all(
          Object.keys(run.data.metrics).map(async (key) => {
            const points = await data.history(run, key);
            counts[key] = points.length;
            summary[key] = stats(points);
          }),
        );
        return { run, counts, stats: summary };
      }));
      return c.json({ runs });
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.get("/api/artifacts", async (c) => {
    try {
      return c.json(await data.artifacts(c.req.query("run") ?? "", c.req.query("path")));
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.get("/artifact", async (c) => {
    try {
      const path = checkArtifactPath(c.req.query("path") ?? "");
      const file = await data.artifactStream(c.req.query("run") ?? "", path);
      const name = path.split("/").pop() ?? "artifact";
      return c.body(file.body, 200, {
        "Content-Length": String(file.size),
        "Content-Type": artifactType(name),
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": `inline; filename="${name.replace(/[^\w.-]/g, "_")}"`,
      });
    } catch (err) {
      return apiError(c, err);
    }
  });

  app.notFound((c) =>
    page(c, "Not found", { page: "error", title: "Not found", error: "No page here." }, 404)
  );
  return app;
}

/**
 * The HTTP status for an error: a refused id or argument is 400, something that
 * is not there 404 (by the library's error code, else by the viewer's own words), the rest 500.
 */
function statusOf(err: unknown): 400 | 404 | 500 {
  const code = err instanceof TrackingError ? err.code : undefined;
  if (err instanceof ValidationError || code === "INVALID_PARAMETER_VALUE") return 400;
  if (code === "RESOURCE_DOES_NOT_EXIST") return 404;
  const message = err instanceof Error ? err.message : String(err);
  if (/not a valid|needs|compare takes|name the runs/.test(message)) return 400;
  if (/not found|does not exist|no run|no experiment|no artifact/i.test(message)) return 404;
  return 500;
}
