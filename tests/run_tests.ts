/**
 * `deno task test`: runs `deno test` with the arguments given and prints a passing run short
 * enough for one screen: a dot per test (80 to a line) and Deno's summary line
 * (`ok | N passed | N failed`, which .ci/run reads). When something fails, every line from Deno's
 * ERRORS section on is printed in full; when `deno test` fails before any test ran (a type error),
 * all it said. The exit code is `deno test`'s.
 *
 * Deno's own `--reporter=dot` still prints a line per test (Deno 2.9), hence this.
 */
import process from "node:process";

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const plain = (line: string) => line.replace(ANSI, "");

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", ...Deno.args],
  stdout: "piped",
  stderr: "piped",
}).spawn();

const lines: string[] = [];
let dots = 0;
const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));

async function read(stream: ReadableStream<Uint8Array>): Promise<void> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      // A test's result line: "name ... ok (3ms)" (or FAILED, ignored); steps count too.
      if (/ \.\.\. (ok|FAILED|ignored)( \(|$)/.test(plain(line))) {
        write(plain(line).includes("... FAILED") ? "F" : ".");
        if (++dots % 80 === 0) write("\n");
      }
    }
  }
  if (pending !== "") lines.push(pending);
}

await Promise.all([read(child.stdout), read(child.stderr)]);
const { code } = await child.status;
if (dots % 80 !== 0) write("\n");
const errors = lines.findIndex((l) => /^\s*ERRORS\s*$/.test(plain(l)));
const summary = lines.findLastIndex((l) => /^(ok|FAILED) \| \d+ passed/.test(plain(l)));
if (code !== 0) {
  // Failures in full: Deno's ERRORS and FAILURES sections, or everything when there are none.
  write(lines.slice(errors >= 0 ? errors : 0).join("\n") + "\n");
} else if (summary >= 0) {
  write(lines[summary] + "\n");
} else {
  write(lines.join("\n") + "\n");
}
process.exitCode = code;
