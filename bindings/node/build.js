// build.js: run at `npm install`, compiles the papers SQLite extension from src/
// into build/papers.so (.dylib on macOS, .dll on Windows) with the system's C
// compiler: $CC, else cc (gcc on Windows), plus any $CFLAGS. No node-gyp.
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const src = path.join(__dirname, "src");
const repo = path.join(__dirname, "..", "..");
const suffix = { darwin: "dylib", win32: "dll" }[process.platform] || "so";
const out = path.join(__dirname, "build", "papers." + suffix);

// The C files of src/; inside a papers checkout (this folder is its
// bindings/node), `make package-src` brings them up to date first.
function cSources() {
  const inCheckout =
    fs.existsSync(path.join(repo, "Makefile")) &&
    path.join(repo, "bindings", "node") === __dirname;
  if (inCheckout) execFileSync("make", ["-s", "-C", repo, "package-src"], { stdio: "inherit" });
  return fs.existsSync(src)
    ? fs.readdirSync(src).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(src, f))
    : [];
}

function compilerArgs(sources) {
  const args = ["-O2", "-ffp-contract=off", "-fvisibility=hidden", "-I", src];
  if (process.platform === "darwin") args.push("-dynamiclib", "-undefined", "dynamic_lookup");
  else if (process.platform === "win32") args.push("-shared", "-static-libgcc");
  else args.push("-fPIC", "-shared");
  const extra = (process.env.CFLAGS || "").split(/\s+/).filter(Boolean);
  return args.concat(extra, ["-o", out], sources);
}

function main() {
  const sources = cSources();
  if (sources.length === 0) {
    console.error("sqlite-papers: no C source in " + src);
    process.exit(1);
  }
  const cc = (process.env.CC || (process.platform === "win32" ? "gcc" : "cc")).split(/\s+/);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    execFileSync(cc[0], cc.slice(1).concat(compilerArgs(sources)), { stdio: "inherit" });
  } catch (err) {
    console.error(
      "sqlite-papers: compiling the extension with " + cc.join(" ") + " failed (" + err.message +
        "). It needs a C compiler: Debian/Ubuntu apt-get install gcc, Alpine apk add build-base, " +
        "macOS xcode-select --install, Windows MSYS2's mingw-w64-x86_64-gcc; or set CC."
    );
    process.exit(1);
  }
}

main();
