// Read side of the info centre's screens: one function per screen, so a handler renders what
// one read returned and never queries tables itself.
import type { Db } from "../db/client.js";
import { chinaDay } from "../domain/time.js";
import { approversWithoutAddress as missingApproverAddresses } from "../accounts/reads.js";

export class AdminReads {
  constructor(private readonly db: Db) {}

  /** 报送单位: every unit with its registered addresses and fax numbers. */
  async units() {
    const units = await this.db.sendingUnit.findMany({ orderBy: [{ parentId: "asc" }, { regionCode: "asc" }], include: { addresses: true, faxNumbers: true, parent: true } });
    return { units, parents: units.filter((u) => !u.parentId) };
  }

  /** 分拣规则. */
  async rules() {
    const [rules, columns, divisions] = await Promise.all([
      this.db.routingRule.findMany({ orderBy: [{ kind: "asc" }, { columnId: "asc" }, { divisionId: "asc" }, { id: "asc" }], include: { column: true, division: true } }),
      this.db.column.findMany({ orderBy: { sortOrder: "asc" } }),
      this.db.division.findMany({ orderBy: { sortOrder: "asc" } }),
    ]);
    return { rules, columns, divisions };
  }

  /** 信息员推荐 (Attachment 4): the recommendations, and the units with none by the deadline (a date in China Standard Time). */
  async officers(deadlineDay: string) {
    const deadline = chinaDay(deadlineDay, "23:59:59");
    const [officers, units] = await Promise.all([
      this.db.infoOfficer.findMany({ orderBy: [{ status: "asc" }, { id: "desc" }], include: { unit: true } }),
      this.db.sendingUnit.findMany({ where: { active: true }, include: { officers: { where: { status: { not: "rejected" }, createdAt: { lte: deadline } } } }, orderBy: { regionCode: "asc" } }),
    ]);
    return { officers, missing: units.filter((u) => u.officers.length === 0) };
  }

  /** 运行状态: mailboxes, open alerts, failed intake, ignored mail (bounces, auto-replies), the outbox, and intake outcomes counted. */
  async status() {
    const [mailboxes, alerts, failed, ignored, outbox, counts, approversWithoutAddress] = await Promise.all([
      this.db.mailbox.findMany({ orderBy: { id: "asc" } }),
      this.db.alert.findMany({ where: { resolvedAt: null }, orderBy: { id: "desc" }, take: 50 }),
      this.db.intakeMessage.findMany({ where: { status: "failed" }, orderBy: { id: "desc" }, take: 100, include: { mailbox: true } }),
      this.db.intakeMessage.findMany({ where: { outcome: "ignored" }, orderBy: { id: "desc" }, take: 50, select: { id: true, receivedAt: true, fromAddress: true, subject: true, error: true, file: true, sourceKey: true } }),
      this.db.outboundMail.findMany({ orderBy: { id: "desc" }, take: 50 }),
      this.db.intakeMessage.groupBy({ by: ["outcome"], _count: { _all: true } }),
      missingApproverAddresses(this.db),
    ]);
    // The website push (publish/webhook.ts): the latest deliveries, each with its state and last error.
    const webhooks = await this.db.webhookDelivery.findMany({ orderBy: { id: "desc" }, take: 50, include: { publishedItem: { select: { title: true, draftId: true, version: true } } } });
    return { mailboxes, alerts, failed, ignored, outbox, counts, approversWithoutAddress, webhooks };
  }

  async outboxMail(id: number) {
    return this.db.outboundMail.findUnique({ where: { id } });
  }
}
