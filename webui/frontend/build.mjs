// Build the browser modeler (webui/frontend/designer) with esbuild into webui/static/vendor/designer:
// designer.js, designer.css and the BPMN icon font. Run by scripts/build_static.sh (so by `make setup`).
//
// Skips the build when nothing it is made from changed: a hash over the sources, package-lock.json and
// this file is kept beside the output. `--force` rebuilds anyway.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const source = join(here, 'designer');
const out = join(root, 'webui', 'static', 'vendor', 'designer');
const stamp = join(out, '.source-hash');

function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const path of [...files(source), join(root, 'package-lock.json'), fileURLToPath(import.meta.url)]) {
    hash.update(relative(root, path));
    hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

const wanted = sourceHash();
const built = existsSync(stamp) && existsSync(join(out, 'designer.js')) ? readFileSync(stamp, 'utf8').trim() : '';
if (built === wanted && !process.argv.includes('--force')) {
  console.log('designer: up to date');
  process.exit(0);
}

const esbuild = await import('esbuild');
rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { designer: join(source, 'index.js') },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: '@bpmn-io/properties-panel/preact',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'fonts/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});
writeFileSync(stamp, `${wanted}\n`);
console.log(`designer: built into ${relative(root, out)}`);
