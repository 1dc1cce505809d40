// The bounded unzip (src/extract/unzip.ts): each limit refuses with its own Chinese error, the
// declared sizes are a first filter and the bytes actually inflated decide, and names in GBK
// (Chinese Windows archivers) or with the UTF-8 flag are read as written.
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { ArchiveRefused, unzipBounded, type ArchiveLimits } from "../../src/extract/unzip.js";
import { zip } from "../../fixtures/formats/tools/lib.mjs";

const limits: ArchiveLimits = { entries: 10, entryBytes: 4 * 1024 * 1024, totalBytes: 6 * 1024 * 1024, ratio: 100 };
const refusal = async (buf: Buffer, l: ArchiveLimits = limits) => {
  const err = await unzipBounded(buf, l).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveRefused);
  return err as ArchiveRefused;
};
// Random bytes do not compress: the ratio check stays out of the way of the size checks.
const noise = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24));

describe("bounded unzip", () => {
  it("reads entries and their names: UTF-8 flagged, GBK unflagged", async () => {
    const r = await unzipBounded(zip([{ name: "通知.docx", data: "a" }, { name: iconv.encode("附件/统计表.xls", "gbk"), data: "b" }]), limits);
    expect(r.entries.map((e) => e.name)).toEqual(["通知.docx", "附件/统计表.xls"]);
    expect(r.entries.map((e) => e.content.toString())).toEqual(["a", "b"]);
  });

  it("refuses too many entries before reading any", async () => {
    const e = await refusal(zip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, data: "x" }))));
    expect(e.code).toBe("ZIP_TOO_MANY_ENTRIES");
    expect(e.message).toBe("压缩包含 11 个条目，超过限制 10 个");
  });

  it("refuses an entry whose declared size is over the limit", async () => {
    const e = await refusal(zip([{ name: "大.bin", data: noise(5 * 1024 * 1024) }]));
    expect(e.code).toBe("ZIP_ENTRY_TOO_LARGE");
    expect(e.message).toContain("超过单个条目限制 4.0 MB");
  });

  it("refuses when the entries together are over the total", async () => {
    const e = await refusal(zip([1, 2].map((i) => ({ name: `${i}.bin`, data: noise(3.5 * 1024 * 1024) }))));
    expect(e.code).toBe("ZIP_TOO_LARGE");
    expect(e.message).toBe("压缩包解压后超过总量限制 6.0 MB");
  });

  it("refuses a bomb by its declared ratio, and one that lies about its size while inflating", async () => {
    const zeros = Buffer.alloc(3 * 1024 * 1024);
    const honest = await refusal(zip([{ name: "a.xml", data: zeros }]));
    expect(honest.code).toBe("ZIP_RATIO");
    expect(honest.message).toMatch(/压缩比 \d+:1，超过限制 100:1（疑似压缩炸弹）/);
    // Declares 1 KB: passes every declared check, is stopped by the bytes it really inflates.
    const lying = await refusal(zip([{ name: "b.txt", data: zeros, declaredSize: 1024 }]), { ...limits, ratio: 100_000 });
    expect(lying.code).toBe("ZIP_SIZE_MISMATCH");
    expect(lying.message).toBe("压缩包条目「b.txt」实际解压量与声明的 1024 字节不符（疑似压缩炸弹）");
    const lyingBig = await refusal(zip([{ name: "c.txt", data: noise(5 * 1024 * 1024), declaredSize: 1024 }]), { ...limits, ratio: 100_000 });
    expect(["ZIP_ENTRY_TOO_LARGE", "ZIP_SIZE_MISMATCH"]).toContain(lyingBig.code);
  });

  it("refuses encrypted entries and damaged archives", async () => {
    const buf = zip([{ name: "密.txt", data: "x" }]);
    // Set the "encrypted" bit in the local and the central header.
    buf.writeUInt16LE(buf.readUInt16LE(6) | 1, 6);
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt16LE(buf.readUInt16LE(cd + 8) | 1, cd + 8);
    const e = await refusal(buf);
    expect(e.code).toBe("ZIP_ENCRYPTED");
    expect(e.message).toContain("已加密，无法检查内容");
    const damaged = await refusal(zip([{ name: "a.txt", data: "x" }]).subarray(0, 40));
    expect(damaged.code).toBe("ZIP_INVALID");
    expect(damaged.message).toMatch(/^压缩包无法打开/);
  });
});
