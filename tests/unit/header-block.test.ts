// One strict reading of the header block: whatever two readers could read differently is a
// problem, never a guess (hostile input, each case named after the trick it pins).
import { describe, expect, it } from "vitest";
import { identityOf, readHeaderBlock } from "../../src/extract/header-block.js";

const msg = (head: string, body = "同意") => Buffer.from(`${head.replace(/\n/g, "\r\n")}\r\n\r\n${body}\r\n`, "latin1");
const identity = (head: string) => identityOf(readHeaderBlock(msg(head)));

describe("strict header reading", () => {
  it("reads one From with one mailbox, folded lines included", () => {
    expect(identity("From: =?UTF-8?B?5byg5omN5b2m?=\n <ZhangCaiYan@hebbb.example>\nSubject: x")).toEqual({ from: "zhangcaiyan@hebbb.example", problems: [] });
    expect(readHeaderBlock(msg("Subject: a\n\tb\nFrom: x@y.example")).fields[0]).toEqual({ name: "subject", value: "a\tb" });
  });

  it("accepts LF-only line ends (Maildir files) and a Sender equal to From", () => {
    expect(identityOf(readHeaderBlock(Buffer.from("From: a@b.example\nSender: A <a@b.example>\n\nbody"))).problems).toEqual([]);
  });

  it.each([
    ["a line starting with a vertical tab", "From: attacker@evil.example\n\x0bFrom: zhangcaiyan@hebbb.example", /第 2 行以垂直制表符/],
    ["a line starting with a form feed", "From: attacker@evil.example\n\x0cFrom: zhangcaiyan@hebbb.example", /第 2 行以换页符/],
    ["a line starting with byte 0xA0", "From: attacker@evil.example\n\xa0From: zhangcaiyan@hebbb.example", /不换行空格字节/],
    ["a line that is no field at all", "From: a@b.example\nthis is not a header", /不是“字段名: 值”的形式/],
    ["white space before the colon", "From : zhangcaiyan@hebbb.example", /字段名与冒号之间有空格/],
    ["a NUL byte", "From: zhangcaiyan@hebbb.example\x00\nSubject: x", /NUL/],
    ["a bare CR", "From: attacker@evil.example\rFrom: zhangcaiyan@hebbb.example", /单独的回车符/],
    ["two From fields", "From: zhangcaiyan@hebbb.example\nFrom: attacker@evil.example", /2 个 From 字段/],
    ["From with two mailboxes", "From: zhangcaiyan@hebbb.example, attacker@evil.example", /From 字段含 2 个地址/],
    ["From as a group", "From: approvers: zhangcaiyan@hebbb.example;", /From 字段含/],
    ["Sender other than From", "From: zhangcaiyan@hebbb.example\nSender: attacker@evil.example", /Sender 字段/],
    ["two Subject fields (the token)", "From: zhangcaiyan@hebbb.example\nSubject: a\nSubject: b", /2 个 Subject 字段/],
    ["two In-Reply-To fields (the thread)", "From: zhangcaiyan@hebbb.example\nIn-Reply-To: <a@x>\nIn-Reply-To: <b@x>", /2 个 In-Reply-To 字段/],
    ["a continuation as the first line", " From: zhangcaiyan@hebbb.example", /第一行是续行/],
    ["no From at all", "Subject: x", /没有 From/],
  ])("%s makes the sender unknown", (_name, head, problem) => {
    const id = identity(head);
    expect(id.from).toBeNull();
    expect(id.problems.join("；")).toMatch(problem);
  });

  it("for a submission, a broken line that no reader could take for a From leaves the sender known", () => {
    const block = readHeaderBlock(msg("From: xxk@hd-bb.example\nX-Priority 3\nSubject: x"));
    expect(identityOf(block).from).toBeNull();
    expect(identityOf(block, { onlyIdentityLines: true })).toEqual({ from: "xxk@hd-bb.example", problems: [] });
    expect(identityOf(readHeaderBlock(msg("From: a@evil.example\n\x0bFrom: xxk@hd-bb.example")), { onlyIdentityLines: true }).from).toBeNull();
  });
});
