// Queues the website push in the transaction that publishes (review service TransitionListener):
// the delivery rows exist exactly when the published version does.
import type { Config } from "../config/index.js";
import type { Tx } from "../db/client.js";
import type { TransitionEvent, TransitionListener } from "../review/service.js";
import { queueWebhooks } from "./webhook.js";

export class WebhookOnPublish implements TransitionListener {
  constructor(private readonly config: Config) {}

  async afterTransition(tx: Tx, e: TransitionEvent): Promise<void> {
    if (e.action !== "publish" || e.publishedItemId == null) return;
    const item = await tx.publishedItem.findUniqueOrThrow({ where: { id: e.publishedItemId }, include: { column: true, division: true } });
    await queueWebhooks(tx, this.config, item);
  }
}
