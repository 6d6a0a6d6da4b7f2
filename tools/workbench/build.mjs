// Bundles the SPARQL workbench (src/sparql.js, with Yasgui's CSS) and the dependency-map network
// (src/network.js) into sparql_endpoint/static/dist/ under content-hashed names, gzips each file,
// and writes manifest.json (logical name -> file) for sparql_endpoint/workbench_assets.py. The files
// of the previous build are removed.

import { build } from "esbuild";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "..", "sparql_endpoint", "static", "dist");
const out = `${dist}.tmp-${process.pid}`; // built aside, then swapped in: a server never sees half a build
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const source = (name) => join(here, "src", name);
const common = {
  outdir: out, bundle: true, minify: true, target: ["es2020"], entryNames: "[name].[hash]",
  metafile: true, legalComments: "linked", logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};
// The workbench: an ES module (<script type="module">) whose Vega and Cytoscape chunks load on first use.
const workbench = await build({
  ...common, entryPoints: { workbench: source("sparql.js") }, format: "esm", splitting: true,
  chunkNames: "chunk.[hash]", assetNames: "[name].[hash]",
});
// The dependency map's network: one classic script (<script defer>), Cytoscape included.
const network = await build({ ...common, entryPoints: { network: source("network.js") }, format: "iife" });
const entries = { workbench: source("sparql.js"), network: source("network.js") };
const outputs = { ...workbench.metafile.outputs, ...network.metafile.outputs };

// Entries by logical name (workbench.js, workbench.css, network.js), every other file (chunks,
// licence notices) by its own name: the server serves the files the manifest lists, no others.
const manifest = {};
const logical = Object.fromEntries(Object.entries(entries).map(([name, path]) => [path, name]));
for (const [file, output] of Object.entries(outputs)) {
  const entry = output.entryPoint && logical[join(here, output.entryPoint)];
  if (entry) {
    manifest[`${entry}.js`] = basename(file);
    if (output.cssBundle) manifest[`${entry}.css`] = basename(output.cssBundle);
  }
}
const named = new Set(Object.values(manifest));
for (const file of Object.keys(outputs)) {
  if (!named.has(basename(file))) manifest[basename(file)] = basename(file);
}
for (const name of await readdir(out)) {
  await writeFile(join(out, `${name}.gz`), gzipSync(await readFile(join(out, name)), { level: 9 }));
}
await writeFile(join(out, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
const old = `${dist}.old-${process.pid}`;
await rename(dist, old).catch((error) => { if (error.code !== "ENOENT") throw error; });
await rename(out, dist);
await rm(old, { recursive: true, force: true });
console.log(`sparql_endpoint/static/dist: ${Object.keys(entries).map((name) => manifest[`${name}.js`]).join(", ")}`);
