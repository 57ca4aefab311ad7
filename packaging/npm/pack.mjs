#!/usr/bin/env node
// Build the npm packages: `agentview` (a small launcher) and one package per platform with the
// binary, the pattern esbuild and biome use. npm installs only the platform package whose os,
// cpu and libc match, through the launcher's optionalDependencies.
//
//   node packaging/npm/pack.mjs --version 0.1.0 --out DIR TARGET=BINARY...
//
// TARGET is a Rust target triple, BINARY the agentview executable built for it. The main package
// always names every platform in its optionalDependencies; platform packages are made for the
// targets given. Writes DIR/<package>/ and, with `npm pack`, DIR/*.tgz.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const SCOPE = "@agentview-de";
const REPOSITORY = "https://github.com/agentview-de/agentview";

// Rust target -> npm platform package. The launcher derives the same names from
// process.platform and process.arch.
const PLATFORMS = {
  "aarch64-apple-darwin": { key: "darwin-arm64", os: "darwin", cpu: "arm64", label: "macOS arm64" },
  "x86_64-apple-darwin": { key: "darwin-x64", os: "darwin", cpu: "x64", label: "macOS x64" },
  "aarch64-unknown-linux-gnu": { key: "linux-arm64", os: "linux", cpu: "arm64", libc: "glibc", label: "Linux arm64 (glibc)" },
  "x86_64-unknown-linux-gnu": { key: "linux-x64", os: "linux", cpu: "x64", libc: "glibc", label: "Linux x64 (glibc)" },
  "aarch64-unknown-linux-musl": { key: "linux-arm64-musl", os: "linux", cpu: "arm64", libc: "musl", label: "Linux arm64 (musl)" },
  "x86_64-unknown-linux-musl": { key: "linux-x64-musl", os: "linux", cpu: "x64", libc: "musl", label: "Linux x64 (musl)" },
  "aarch64-pc-windows-msvc": { key: "win32-arm64", os: "win32", cpu: "arm64", label: "Windows arm64" },
  "x86_64-pc-windows-msvc": { key: "win32-x64", os: "win32", cpu: "x64", label: "Windows x64" },
};
// The targets the main package depends on: those the release builds (dist-workspace.toml).
const RELEASED = (process.env.AGENTVIEW_NPM_TARGETS || Object.keys(PLATFORMS).join(","))
  .split(",")
  .filter(Boolean);

function usage(message) {
  process.stderr.write(`pack.mjs: ${message}\nusage: node pack.mjs --version X.Y.Z --out DIR TARGET=BINARY...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let version = null;
let out = null;
const binaries = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--version") version = args[++i];
  else if (args[i] === "--out") out = args[++i];
  else if (args[i].includes("=")) binaries.push(args[i].split("=", 2));
  else usage(`unexpected argument ${args[i]}`);
}
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) usage("--version X.Y.Z is required");
if (!out) usage("--out DIR is required");
for (const target of [...RELEASED, ...binaries.map(([t]) => t)]) {
  if (!PLATFORMS[target]) usage(`unknown target ${target}`);
}
out = path.resolve(out);

const crate = readFileSync(path.join(root, "Cargo.toml"), "utf8");
const description = /^description\s*=\s*"(.*)"$/m.exec(crate)?.[1] ?? "agentview";

const licences = ["LICENSE-MIT", "LICENSE-APACHE"];
const common = {
  version,
  license: "MIT OR Apache-2.0",
  homepage: "https://agentview.de",
  repository: { type: "git", url: `git+${REPOSITORY}.git` },
  bugs: `${REPOSITORY}/issues`,
};

function writePackage(dir, manifest, files) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [from, to, mode] of files) {
    const dest = path.join(dir, to);
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(from, dest);
    chmodSync(dest, mode ?? 0o644);
  }
  const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: dir, encoding: "utf8" });
  return path.join(out, tarball.trim().split("\n").pop());
}

mkdirSync(out, { recursive: true });
const made = [];

for (const [target, binary] of binaries) {
  const p = PLATFORMS[target];
  const exe = p.os === "win32" ? "agentview.exe" : "agentview";
  const name = `${SCOPE}/cli-${p.key}`;
  const readme = path.join(out, `README-${p.key}.md`);
  writeFileSync(readme, `# ${name}\n\nThe agentview binary for ${p.label}. Install \`agentview\` instead; it picks this package.\n`);
  const manifest = {
    name,
    ...common,
    description: `The agentview binary for ${p.label}`,
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    files: ["bin/", ...licences],
    preferUnplugged: true,
  };
  made.push(
    writePackage(path.join(out, `cli-${p.key}`), manifest, [
      [binary, `bin/${exe}`, 0o755],
      [readme, "README.md"],
      ...licences.map((l) => [path.join(root, l), l]),
    ]),
  );
  rmSync(readme);
}

const main = {
  name: "agentview",
  ...common,
  description,
  keywords: ["mcp", "login", "cli", "keyring", "agentview"],
  bin: { agentview: "bin/agentview.js" },
  files: ["bin/", ...licences],
  engines: { node: ">=18" },
  optionalDependencies: Object.fromEntries(RELEASED.map((t) => [`${SCOPE}/cli-${PLATFORMS[t].key}`, version])),
};
made.push(
  writePackage(path.join(out, "agentview"), main, [
    [path.join(here, "agentview/bin/agentview.js"), "bin/agentview.js", 0o755],
    [path.join(root, "README.md"), "README.md"],
    ...licences.map((l) => [path.join(root, l), l]),
  ]),
);

process.stdout.write(`${made.join("\n")}\n`);
