// The account pages (src/account-pages/): the browser TypeScript and the stylesheet bundled by
// esbuild into content-hashed files, and the HTML with those names written in, into
// dist/account-pages/site (read by src/account-pages/account-pages.ts at start).
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');
const esbuild = require('esbuild');

const root = join(__dirname, '..');
const source = join(root, 'src/account-pages');
const site = join(root, 'dist/account-pages/site');

/** The HTML pages with the hashed asset names of `metafile` written in. */
function writePages(metafile) {
  // The output file of each entry point, by the name the HTML uses (/assets/pages.js, /assets/pages.css).
  const names = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    names[file.endsWith('.css') ? 'pages.css' : 'pages.js'] = basename(file);
  }
  mkdirSync(join(site, 'pages'), { recursive: true });
  for (const page of readdirSync(join(source, 'html'))) {
    const html = readFileSync(join(source, 'html', page), 'utf8')
      .replace('/assets/pages.js', `/assets/${names['pages.js']}`)
      .replace('/assets/pages.css', `/assets/${names['pages.css']}`);
    writeFileSync(join(site, 'pages', page), html);
  }
  console.log(`account pages: ${relative(root, site)} (${names['pages.js']}, ${names['pages.css']})`);
}

const OPTIONS = {
  entryPoints: {
    pages: join(source, 'browser/main.ts'),
    'pages-style': join(source, 'browser/pages.css'),
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  outdir: join(site, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
};

/**
 * `--watch` (for a development loop): rebuilds on every change of the browser code or the
 * stylesheet, old assets removed; the service reads the site at start, so it restarts to serve it.
 */
async function main() {
  rmSync(site, { recursive: true, force: true });
  if (!process.argv.includes('--watch')) {
    writePages((await esbuild.build(OPTIONS)).metafile);
    return;
  }
  const rewrite = {
    name: 'account-pages-html',
    setup(build) {
      build.onStart(() => rmSync(join(site, 'assets'), { recursive: true, force: true }));
      build.onEnd((result) => result.metafile && writePages(result.metafile));
    },
  };
  await (await esbuild.context({ ...OPTIONS, plugins: [rewrite] })).watch();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
