// The generated submissions of bench:ingest and bench:imap: text mail as county offices send it,
// a third of them in GBK, the topics of several columns.
import iconv from "iconv-lite";

const senders = ["xxk@sjz-bb.example", "zdbb@zd-gov.example", "psbb@ps-gov.example", "qabb@qa-gov.example", "wabb@wa-gov.example", "zzbb@zz-gov.example", "unknown@mail163.example"];
const topics = [
  ["推进事业单位分类改革", "公益一类事业单位编制核定工作"],
  ["乡镇机构改革工作进展", "乡镇（街道）综合行政执法改革"],
  ["开展机构编制监督检查", "专项检查发现的问题整改落实"],
  ["召开全县机构编制工作会议", "部署下一阶段工作"],
  ["做好实名制管理工作", "编制实名制管理系统数据核查"],
];

export function benchMessage(i: number, tag = "bench"): Buffer {
  const [t1, t2] = topics[i % topics.length]!;
  const body = `${(i % 28) + 1}日，某县编办${t1}，${t2}。会议强调，要提高政治站位，压实工作责任，确保各项任务按期完成。第${i}号。\n`.repeat(4) + "\n某县编办\n2026年11月20日\n";
  const gbk = i % 3 === 0;
  const head = [
    `From: =?UTF-8?B?${Buffer.from("信息员").toString("base64")}?= <${senders[i % senders.length]}>`,
    "To: xinxi@hebbb.example",
    `Subject: =?UTF-8?B?${Buffer.from(`报送：${t1}（${tag}${i}）`).toString("base64")}?=`,
    `Message-ID: <${tag}-${i}@bench.example>`,
    "Date: Fri, 20 Nov 2026 10:00:00 +0800",
    "MIME-Version: 1.0",
    `Content-Type: text/plain; charset=${gbk ? "GBK" : "UTF-8"}`,
    "Content-Transfer-Encoding: base64",
    "",
    "",
  ].join("\r\n");
  const bytes = gbk ? iconv.encode(body, "gbk") : Buffer.from(body);
  return Buffer.concat([Buffer.from(head), Buffer.from(bytes.toString("base64").replace(/.{76}/g, "$&\r\n") + "\r\n")]);
}
