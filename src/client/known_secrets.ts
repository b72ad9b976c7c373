/**
 * Every value a client knows to be a secret: its API key, the credentials in
 * its headers (a Basic header's `user:password` and password too), and the
 * keys the environment holds whether or not they were sent (the OICM key, the
 * workload key, MLflow's token and password). What the client renders itself
 * (notices, `@tracked` params and error tags) is scrubbed of them, in any of
 * the encodings {@linkcode Secrets} knows.
 *
 * @module
 */
import { peekEnv } from "../core/peek_env.ts";
import { Secrets } from "../http/secrets.ts";
import type { TrackingClientOptions } from "./options.ts";

/** Variables that hold a credential. */
const SECRET_VARIABLES = [
  "OICM_TRACKING_API_KEY",
  "OIP_WORKLOAD_ACCESS_KEY",
  "MLFLOW_TRACKING_TOKEN",
  "MLFLOW_TRACKING_PASSWORD",
];

/** The secrets of a client built with `opts`. */
export function knownSecrets(opts: TrackingClientOptions): Secrets {
  const secrets = new Secrets();
  secrets.add(opts.apiKey);
  for (const [name, value] of Object.entries(opts.headers ?? {})) secrets.addHeader(name, value);
  for (const name of SECRET_VARIABLES) secrets.add(peekEnv(name));
  const user = peekEnv("MLFLOW_TRACKING_USERNAME");
  const password = peekEnv("MLFLOW_TRACKING_PASSWORD");
  if (user !== undefined && password !== undefined) secrets.add(`${user}:${password}`);
  return secrets;
}
