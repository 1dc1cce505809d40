// The resolution of a fax or scan, read from the file itself: per-page TIFF tags (a normal fax
// is 204×98 dpi, pixels twice as tall as wide), PNG pHYs / JPEG JFIF, and the snapping of values
// measured from a PDF page to the fax resolutions they stand for.

export interface Resolution {
  x: number;
  y: number;
}

/**
 * Per-page X/Y resolution of a TIFF (tags 282/283, unit 296). sharp reports one density only,
 * and a normal-resolution fax is 204×98 dpi: its pixels are twice as tall as wide.
 */
export function tiffResolutions(buf: Buffer): Array<Resolution | null> {
  const out: Array<Resolution | null> = [];
  if (buf.length < 8) return out;
  const le = buf.toString("latin1", 0, 2) === "II";
  if (!le && buf.toString("latin1", 0, 2) !== "MM") return out;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  if (u16(2) !== 42) return out; // BigTIFF (43) is not a fax format
  let ifd = u32(4);
  const seen = new Set<number>();
  while (ifd > 0 && ifd + 2 <= buf.length && !seen.has(ifd) && out.length < 10_000) {
    seen.add(ifd);
    const n = u16(ifd);
    let x = 0;
    let y = 0;
    let unit = 2;
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > buf.length) break;
      const tag = u16(e);
      const rational = () => {
        const off = u32(e + 8);
        if (off + 8 > buf.length) return 0;
        const den = u32(off + 4);
        return den ? u32(off) / den : 0;
      };
      if (tag === 282) x = rational();
      else if (tag === 283) y = rational();
      else if (tag === 296) unit = u16(e + 8);
    }
    const k = unit === 3 ? 2.54 : 1; // per centimetre → per inch
    out.push(x > 0 && y > 0 && unit !== 1 ? { x: x * k, y: y * k } : null);
    const next = ifd + 2 + n * 12;
    ifd = next + 4 <= buf.length ? u32(next) : 0;
  }
  return out;
}

/** X/Y resolution of a PNG (pHYs) or JPEG (JFIF APP0); null when absent or aspect-only. */
export function imageResolution(buf: Buffer): Resolution | null {
  if (buf.length > 24 && buf.readUInt32BE(0) === 0x89504e47) {
    let o = 8;
    while (o + 12 <= buf.length) {
      const len = buf.readUInt32BE(o);
      const type = buf.toString("latin1", o + 4, o + 8);
      if (type === "pHYs" && len >= 9 && buf[o + 16] === 1) {
        return { x: buf.readUInt32BE(o + 8) * 0.0254, y: buf.readUInt32BE(o + 12) * 0.0254 };
      }
      if (type === "IDAT" || type === "IEND") break;
      o += 12 + len;
    }
    return null;
  }
  if (buf.length > 18 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff && buf[3] === 0xe0 && buf.toString("latin1", 6, 11) === "JFIF\0") {
    const unit = buf[13];
    const x = buf.readUInt16BE(14);
    const y = buf.readUInt16BE(16);
    if (!x || !y || (unit !== 1 && unit !== 2)) return null;
    const k = unit === 2 ? 2.54 : 1;
    return { x: x * k, y: y * k };
  }
  return null;
}

/** Image sizes are whole pixels and page sizes rounded points: snap near-fax values to 204/98/196. */
export function snapFaxResolution(r: Resolution): Resolution {
  const snap = (v: number) => [98, 196, 200, 204, 300, 400].find((s) => Math.abs(v - s) / s < 0.03) ?? v;
  return { x: snap(r.x), y: snap(r.y) };
}
