/**
 * A tracking server's redirect to another origin takes none of the client's
 * credentials along: the runtimes' fetch drops `Authorization` there but kept
 * every configured header (`headers: { "X-Team-Token": ... }`), so a server
 * could lead a team's token to any host. A redirect within the origin keeps them.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TrackingClient } from "../mod.ts";
import { test } from "./harness.ts";
import { FAST_RETRY } from "./helpers.ts";

const KEY = "tracking-key-0123456789";
const TEAM = "team-header-secret-42";
const EXPERIMENT = {
  experiment: { experiment_id: "7", name: "moved", lifecycle_stage: "active", tags: [] },
};

interface Seen {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
}

/** A loopback server answering with `answer` and keeping what each request carried. */
async function serve(
  answer: (path: string, res: import("node:http").ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", method: req.method ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => answer(req.url ?? "", res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

const json = (res: import("node:http").ServerResponse, body: unknown) => {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

async function redirectedLookup(to: "other origin" | "same origin") {
  const elsewhere = await serve((_path, res) => json(res, EXPERIMENT));
  let trackingUrl = "";
  const tracking = await serve((path, res) => {
    if (path.startsWith("/moved")) return json(res, EXPERIMENT);
    const target = to === "other origin" ? elsewhere.url : trackingUrl;
    res.writeHead(302, { Location: `${target}/moved${path.slice(path.indexOf("?"))}` });
    res.end();
  });
  trackingUrl = tracking.url;
  const client = new TrackingClient({
    apiHost: tracking.url,
    apiKey: KEY,
    headers: { "X-Team-Token": TEAM },
    retry: FAST_RETRY,
    logSystemMetrics: false,
    onNotice: () => {},
  });
  try {
    const experiment = await client.getExperimentByName("moved");
    return { experiment, tracking: tracking.seen, elsewhere: elsewhere.seen };
  } finally {
    await client.close();
    tracking.server.close();
    elsewhere.server.close();
  }
}

test("a tracking server's redirect to another origin carries neither the key nor configured headers", async () => {
  const { experiment, tracking, elsewhere } = await redirectedLookup("other origin");
  assert.equal(experiment?.name, "moved", "the redirect was followed");
  assert.equal(tracking[0].headers.authorization, `Bearer ${KEY}`);
  assert.equal(tracking[0].headers["x-team-token"], TEAM);
  assert.equal(elsewhere.length, 1);
  assert.equal(elsewhere[0].headers.authorization, undefined, "no key to the other origin");
  assert.equal(elsewhere[0].headers["x-team-token"], undefined, "no configured header either");
  assert.match(String(elsewhere[0].headers["user-agent"]), /oicm-tracking/i);
});

test("a redirect within the tracking server's origin keeps the key and headers", async () => {
  const { experiment, tracking } = await redirectedLookup("same origin");
  assert.equal(experiment?.name, "moved");
  assert.equal(tracking.length, 2);
  assert.equal(tracking[1].path.startsWith("/moved"), true);
  assert.equal(tracking[1].headers.authorization, `Bearer ${KEY}`);
  assert.equal(tracking[1].headers["x-team-token"], TEAM);
});
