// One-time passwords of approver accounts go to the person, never to the administrator who reset
// them (security review M3: the system administrator reset a 处长's password, read it on 账号,
// signed in as the 处长 and approved). They are mailed to the person's registered address — which
// the security administrator cannot change without the person's own confirmation (addresses.ts) —
// or, on the host, printed by `gateway account reset-password`.
//
// As the approval token is (approvals/tokens.ts), the password is derived from the mail's
// Message-ID under the key in DATA_DIR/approval-token.key, so the outbox row and its screen hold
// only a placeholder, and a retried send carries the same password. The database has its argon2 hash.
import { createHmac } from "node:crypto";
import { tokenKey } from "../approvals/tokens.js";
import type { Config } from "../config/index.js";
import type { Db, Tx } from "../db/client.js";
import { APPROVER_ROLES } from "../domain/roles.js";

export const PASSWORD_PLACEHOLDER = "〔一次性密码，发送时填入〕";
/** The same for the code that confirms a new registered address (accounts/addresses.ts). */
export const CODE_PLACEHOLDER = "〔确认码，发送时填入〕";
const ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

const derive = (config: Pick<Config, "dataDir">, purpose: string, messageId: string, alphabet: string, n: number) =>
  [...createHmac("sha256", tokenKey(config.dataDir)).update(`${purpose}\0${messageId}`).digest().subarray(0, n)].map((b) => alphabet[b % alphabet.length]).join("");

/** The one-time password carried by the mail with this Message-ID (16 characters, about 90 bits). */
export const oneTimePasswordFor = (config: Pick<Config, "dataDir">, messageId: string) => derive(config, "gw-one-time-password", messageId, ALPHABET, 16);
/** The address confirmation code carried by the mail with this Message-ID (8 characters, about 40 bits, 72 hours, one person's own session). */
export const confirmationCodeFor = (config: Pick<Config, "dataDir">, messageId: string) => derive(config, "gw-address-code", messageId, CODE_ALPHABET, 8);

/** The mail text as sent: the placeholders replaced by the secrets. */
export function secretsAsSent(config: Pick<Config, "dataDir">, text: string, messageId: string): string {
  return text.split(PASSWORD_PLACEHOLDER).join(oneTimePasswordFor(config, messageId)).split(CODE_PLACEHOLDER).join(confirmationCodeFor(config, messageId));
}

/**
 * An approver's account: its person heads a division, has a 办领导 rank, or the account holds an
 * approver role. Its password and second factor are the person's alone.
 */
export async function isApproverAccount(db: Db | Tx, userId: number): Promise<boolean> {
  const u = await db.user.findUnique({ where: { id: userId }, include: { grants: true, person: { include: { headOf: { select: { id: true } } } } } });
  if (!u) return false;
  return u.grants.some((g) => (APPROVER_ROLES as readonly string[]).includes(g.role)) || !!u.person?.leaderRank || (u.person?.headOf.length ?? 0) > 0;
}
