// Copies the AUI files the pages use from node_modules into app/static/vendor/aui.
//
// The pages use AUI's stylesheet only (their scripts build plain DOM; AUI's own script
// needs jQuery), so the stylesheet and the icon fonts and images it refers to by
// relative URL are copied, nothing else. Run by `make setup` after `npm ci`; the output
// is gitignored and rebuilt from the lockfile's exact AUI version.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const aui = join(root, "node_modules", "@atlassian", "aui");
const dist = join(aui, "dist", "aui");
const out = join(root, "app", "static", "vendor", "aui");
const version = JSON.parse(readFileSync(join(aui, "package.json"), "utf8")).version;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(dist, "aui-prototyping.css"), join(out, "aui-prototyping.css"));
for (const folder of ["fonts", "images"]) {
  cpSync(join(dist, folder), join(out, folder), { recursive: true });
}
cpSync(join(aui, "LICENSE"), join(out, "LICENSE"));
writeFileSync(join(out, "VERSION"), version + "\n");
console.log(`AUI ${version} -> ${out}`);
