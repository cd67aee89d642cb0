/**
 * UTF-8 bytes to strings for the protobuf reader. Short strings repeat from record to record
 * (attribute keys, severity texts, categories, service names), so they come from a cache.
 */
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 bytes as a string, exactly as a non-fatal `TextDecoder` reads them. */
function decodeString(buf: Buffer, start: number, end: number): string {
  // Buffer's UTF-8 slice replaces invalid sequences as TextDecoder does, and faster; only a
  // leading BOM differs (TextDecoder drops it), so that case keeps TextDecoder.
  if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf)
    return textDecoder.decode(buf.subarray(start, end));
  return buf.toString('utf8', start, end);
}

/**
 * A small direct-mapped cache, keyed by a hash of the bytes and checked byte for byte: it hands
 * back the string decoded before instead of decoding (and allocating) it again.
 */
const CACHED_MAX_BYTES = 32;
const CACHE_SLOTS = 4096;
// The bytes of every slot in one slab (a slot's bytes at slot * CACHED_MAX_BYTES), their lengths
// apart (0: empty): a miss copies at most 32 bytes into place and allocates only its string.
const cacheBytes = new Uint8Array(CACHE_SLOTS * CACHED_MAX_BYTES);
const cacheLengths = new Uint8Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array(CACHE_SLOTS).fill('');

function cachedString(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return '';
  // A hash of the length and a few bytes (both ends, where similar strings differ, and the middle):
  // a collision only costs a miss, since the bytes are compared in full.
  const last = end - 1;
  let h = Math.imul(0x811c9dc5 ^ len, 0x01000193);
  h = Math.imul(h ^ buf[start], 0x01000193);
  h = Math.imul(h ^ buf[last], 0x01000193);
  h = Math.imul(h ^ buf[last - (len >> 2)], 0x01000193);
  h = Math.imul(h ^ buf[start + (len >> 1)], 0x01000193);
  h = Math.imul(h ^ buf[last - (len >> 3)], 0x01000193);
  h = Math.imul(h ^ buf[start + (len >> 2)], 0x01000193);
  h = Math.imul(h ^ buf[start + (len >> 3)], 0x01000193);
  const slot = (h ^ (h >>> 16)) & (CACHE_SLOTS - 1);
  const at = slot * CACHED_MAX_BYTES;
  if (cacheLengths[slot] === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (cacheBytes[at + i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cacheStrings[slot];
  }
  const value = decodeString(buf, start, end);
  // A copy: the request's buffer is not kept (it is reused for the next request).
  for (let i = 0; i < len; i++) cacheBytes[at + i] = buf[start + i];
  cacheLengths[slot] = len;
  cacheStrings[slot] = value;
  return value;
}

/** The UTF-8 string at `buf[start, end)`: short ones from the cache, longer ones decoded. */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  return end - start <= CACHED_MAX_BYTES ? cachedString(buf, start, end) : decodeString(buf, start, end);
}
