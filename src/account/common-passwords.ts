import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

// Shipped next to this file (see data/README.md for provenance and licence). scripts/copy-assets.js
// copies it into dist/account/data so the same relative path works from src (jest) and dist.
const LIST_PATH = join(__dirname, 'data', 'common-passwords.txt.gz');

// Variants shorter than this are not looked up: the list holds 1-3 character entries, and
// matching those against a stripped prefix would flag passwords for noise, not weakness.
const MIN_VARIANT_LENGTH = 4;

/**
 * The sorted list kept as its UTF-8 bytes plus line offsets, searched by bisection: 3.5 MB outside
 * the JavaScript heap (decoded, it would be a 7 MB two-byte string, since a few entries are not
 * Latin-1; a Set of 400k strings, ~70 MB), at ~20 byte comparisons per lookup. Byte order is the
 * file's order: it holds no character beyond U+FFFF, so UTF-8 byte order and the UTF-16 order it
 * was sorted in agree (the spec checks the whole file).
 */
export class SortedWordList {
  /** Where each non-empty line starts; it ends at the next newline or the end of the bytes. */
  private readonly starts: Uint32Array;

  constructor(private readonly bytes: Buffer) {
    const starts: number[] = [];
    let lineStart = 0;
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) {
      if (i > lineStart) starts.push(lineStart);
      lineStart = i + 1;
    }
    if (lineStart < bytes.length) starts.push(lineStart);
    this.starts = Uint32Array.from(starts);
  }

  get size(): number {
    return this.starts.length;
  }

  has(word: string): boolean {
    const key = Buffer.from(word, 'utf8');
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = this.bytes.compare(key, 0, key.length, this.starts[mid], this.end(mid));
      if (order === 0) return true;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }

  /** Entry `index` in order; for the spec's whole-file order check. */
  entry(index: number): Buffer {
    return this.bytes.subarray(this.starts[index], this.end(index));
  }

  private end(index: number): number {
    const newline = this.bytes.indexOf(0x0a, this.starts[index]);
    return newline === -1 ? this.bytes.length : newline;
  }
}

let commonPasswords: SortedWordList | undefined;

/**
 * Loads the list once. Synchronous on purpose: the policy function is synchronous
 * (class-validator calls it), and the one-off cost is paid on first use.
 * Call it at bootstrap to move that cost off the first registration request.
 */
export function loadCommonPasswords(): SortedWordList {
  // The file is NFKC-normalised, lower-cased, trimmed, de-duplicated and sorted in UTF-16 code
  // unit order (JavaScript's default sort), the order bisection with `<` relies on.
  commonPasswords ??= new SortedWordList(gunzipSync(readFileSync(LIST_PATH)));
  return commonPasswords;
}

// Digits/specials around the word: everything before the first and after the last letter.
const LEADING_NON_LETTERS = /^[^\p{L}]+/u;
const TRAILING_NON_LETTERS = /[^\p{L}]+$/u;
const LEET: Record<string, string> = { '@': 'a', '0': 'o', '3': 'e', $: 's', '5': 's', '7': 't' };

// '1' is ambiguous (l or i), so produce one variant per reading rather than guessing.
function unleet(value: string): string[] {
  const base = value.replace(/[@03$57]/g, (ch) => LEET[ch] ?? ch);
  return [base.replaceAll('1', 'l'), base.replaceAll('1', 'i')];
}

// Leet characters at a word's edge are few ('5' in 'S7@rw@r5'); cutting deeper into the
// digit/special runs only multiplies work (cuts grow quadratically with run length).
const MAX_EDGE_KEEP = 6;

// Cut points in a non-letter run between the word's edge and the password's edge: keep up to
// MAX_EDGE_KEEP characters of the run, or keep it all (duplicates are harmless).
function cuts(wordEdge: number, outerEdge: number): number[] {
  const step = Math.sign(outerEdge - wordEdge);
  const keep = Math.min(MAX_EDGE_KEEP, Math.abs(outerEdge - wordEdge));
  return [outerEdge, ...Array.from({ length: keep + 1 }, (_, k) => wordEdge + k * step)];
}

/**
 * The word with its leading/trailing digits and specials cut at each point, raw and
 * un-leeted. Cutting inside the runs, not only at the last letter, is what catches leet at
 * a word's edge: in 'S7@rW@r5!2024' the '5' must be kept to un-leet to 'starwars'.
 */
function variants(lowered: string): Set<string> {
  const first = lowered.length - lowered.replace(LEADING_NON_LETTERS, '').length;
  const last = lowered.replace(TRAILING_NON_LETTERS, '').length;
  const out = new Set<string>();
  if (last === 0) return out; // no letters: only the exact match applies
  for (const i of cuts(first, 0)) {
    for (const j of cuts(last, lowered.length)) {
      const core = lowered.slice(i, j);
      out.add(core);
      for (const readable of unleet(core)) out.add(readable);
    }
  }
  return out;
}

/** `password` must already be NFKC-normalised (the policy does that once for every rule). */
export function isCommonPassword(password: string): boolean {
  const list = loadCommonPasswords();
  const lowered = password.toLowerCase();
  if (list.has(lowered)) return true;
  for (const candidate of variants(lowered)) {
    if (candidate.length >= MIN_VARIANT_LENGTH && list.has(candidate)) return true;
  }
  return false;
}
