#!/usr/bin/env node
// Runs the agentview binary from the platform package npm installed beside this one
// (one of the optionalDependencies; npm picks it by os, cpu and libc).
"use strict";

const { spawn } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");

const SCOPE = "@agentview-de";
const exe = process.platform === "win32" ? "agentview.exe" : "agentview";

// The platform packages that can run here, best first. On Linux both libc builds are
// candidates: a package manager that ignores the "libc" field installs both, and the
// glibc build cannot start on a musl system (the spawn fails with ENOENT).
function candidates() {
  const key = `${process.platform}-${process.arch}`;
  if (process.platform === "linux") return [`cli-${key}`, `cli-${key}-musl`];
  return [`cli-${key}`];
}

function resolveBinary(name) {
  try {
    const manifest = require.resolve(`${SCOPE}/${name}/package.json`);
    const binary = path.join(path.dirname(manifest), "bin", exe);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function fail(message) {
  process.stderr.write(`agentview: ${message}\n`);
  process.exit(1);
}

const binaries = candidates().map(resolveBinary).filter(Boolean);
if (binaries.length === 0) {
  fail(
    `no agentview binary for ${process.platform}-${process.arch} was installed ` +
      `(package ${SCOPE}/${candidates()[0]}). Reinstall without --omit=optional or --no-optional, ` +
      "or use another install method: https://github.com/agentview-de/agentview#install",
  );
}

// Ctrl-C on a terminal reaches agentview directly (same process group), and a second SIGINT
// makes it exit at once, so SIGINT is not passed on; SIGTERM and SIGHUP, which are sent to
// this process alone (MCP clients, CI runners), are.
process.on("SIGINT", () => {});
let child = null;
for (const signal of ["SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child && child.kill(signal));
}

function run(index) {
  child = spawn(binaries[index], process.argv.slice(2), { stdio: "inherit", windowsHide: false });
  child.on("error", (error) => {
    if (error.code === "ENOENT" && index + 1 < binaries.length) return run(index + 1);
    fail(`cannot run ${binaries[index]}: ${error.message}`);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      // End the same way, so callers see the signal (shells: 128 + n).
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

run(0);
