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

// Whether this Node.js runs on glibc (Node's own report says; musl systems have none). Asked
// only when something is missing: the report takes a few milliseconds.
function glibc() {
  try {
    return Boolean(process.report.getReport().header.glibcVersionRuntime);
  } catch {
    return true;
  }
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

// Why no binary is here, and what installs one. The platform packages are optional
// dependencies of this one: npm leaves one out when it does not match (os, cpu, libc), when
// optional dependencies are omitted, when a lock file made on another platform lacks it, or
// when fetching it failed (npm only warns about a failed optional dependency).
function missing() {
  const manifest = require("../package.json");
  const platforms = Object.keys(manifest.optionalDependencies || {});
  const here = `${process.platform}-${process.arch}`;
  const order = process.platform === "linux" && !glibc() ? candidates().reverse() : candidates();
  const wanted = order.map((name) => `${SCOPE}/${name}`).filter((name) => platforms.includes(name));
  if (wanted.length === 0) {
    const built = platforms.map((name) => name.replace(`${SCOPE}/cli-`, "")).join(", ");
    return (
      `there is no agentview binary package for ${here} (binaries exist for ${built}); ` +
      "build agentview from source: https://github.com/agentview-de/agentview#install"
    );
  }
  return (
    `the package with agentview's binary for ${here}, ${wanted[0]}, is not installed ` +
    `beside ${manifest.name} ${manifest.version}. npm installs it as an optional dependency: it is ` +
    "left out with --omit=optional (or --no-optional), by a package-lock.json made on another " +
    "platform, or when fetching it failed (npm only warns then). Install it beside agentview: " +
    `npm install ${wanted[0]}@${manifest.version} (with -g where agentview was installed with -g)`
  );
}

const binaries = candidates().map(resolveBinary).filter(Boolean);
if (binaries.length === 0) {
  fail(missing());
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
