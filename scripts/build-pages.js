// The account pages (src/account-pages/): the browser TypeScript and the stylesheet bundled by
// esbuild into content-hashed files, and the HTML with those names written in, into
// <out>/account-pages/site (read by src/account-pages/account-pages.ts at start, beside its code):
// `npm run build` builds into dist/ (scripts/build.js), `npm run dev` watches into dist-dev/.
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const esbuild = require('esbuild');

const root = join(__dirname, '..');
const source = join(root, 'src/account-pages');
const siteOf = (outRoot) => join(outRoot, 'account-pages', 'site');

/**
 * One page: html/<page>.html is what goes inside <main>, layout.html the rest (head, navigation);
 * the title is the page's <h1>. Values are the repository's own text, never a caller's.
 */
function composePage(layout, page, main) {
  const title = /<h1>([^<]+)<\/h1>/.exec(main)?.[1];
  if (!title) throw new Error(`src/account-pages/html/${page}.html has no <h1> to title it`);
  const indented = main.trimEnd().replace(/^(?=.)/gm, '      ');
  return layout
    .replace('{{title}}', () => title)
    .replace('{{page}}', () => page)
    .replace('{{main}}', () => indented);
}

/** The HTML pages with the hashed asset names of `metafile` written in, into `site`. */
function writePages(site, metafile) {
  // The output file of each entry point, by the name the HTML uses (/assets/pages.js, /assets/pages.css).
  const names = {};
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint) continue;
    names[file.endsWith('.css') ? 'pages.css' : 'pages.js'] = basename(file);
  }
  const layout = readFileSync(join(source, 'layout.html'), 'utf8')
    .replace('/assets/pages.js', `/assets/${names['pages.js']}`)
    .replace('/assets/pages.css', `/assets/${names['pages.css']}`);
  mkdirSync(join(site, 'pages'), { recursive: true });
  for (const file of readdirSync(join(source, 'html'))) {
    const page = basename(file, '.html');
    const main = readFileSync(join(source, 'html', file), 'utf8');
    writeFileSync(join(site, 'pages', file), composePage(layout, page, main));
  }
  console.log(`account pages: ${names['pages.js']}, ${names['pages.css']}`);
}

const optionsFor = (site) => ({
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
});

/** Builds the site into `outRoot` (synchronously: scripts/build.js is a synchronous script). */
function buildPages(outRoot) {
  const site = siteOf(outRoot);
  rmSync(site, { recursive: true, force: true });
  writePages(site, esbuild.buildSync(optionsFor(site)).metafile);
}

/**
 * For a development loop: rebuilds the site into `outRoot` on every change of the browser code or
 * the stylesheet (old assets removed), then calls `onBuilt`; the service reads the site at start,
 * so `onBuilt` restarts it.
 */
async function watchPages(outRoot, onBuilt) {
  const site = siteOf(outRoot);
  rmSync(site, { recursive: true, force: true });
  const rewrite = {
    name: 'account-pages-html',
    setup(build) {
      build.onStart(() => rmSync(join(site, 'assets'), { recursive: true, force: true }));
      build.onEnd((result) => {
        if (!result.metafile) return;
        writePages(site, result.metafile);
        onBuilt();
      });
    },
  };
  await (await esbuild.context({ ...optionsFor(site), plugins: [rewrite] })).watch();
}

module.exports = { buildPages, watchPages };

if (require.main === module) buildPages(join(root, 'dist'));
