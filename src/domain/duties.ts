// Separation of duties on one item's 审批表 (Attachment 3): 信息管理员 (who sent it for review and
// who publishes it), 处长 (处长审核意见) and 办领导 (副主任/主任批示) are different people. Whatever
// roles a person holds — an information-centre account that granted itself 处长 and 办领导, or a
// division head who is also the division's info administrator — they fill one box of a round.
// Pure: the review service gathers who holds which box and asks here before every approval and
// before publishing.

export type FormSlot = "info_admin" | "division_head" | "leader";

export const formSlotLabel: Record<FormSlot, string> = {
  info_admin: "信息管理员",
  division_head: "处长审核",
  leader: "办领导审核",
};

/** A person as the 审批表 knows them: the person of Attachments 1/2, or the account when it has none. */
export const personKey = (who: { personId: number | null; userId: number }): string => (who.personId != null ? `person:${who.personId}` : `user:${who.userId}`);

export interface SlotHolder {
  slot: FormSlot;
  person: string; // personKey
  name: string; // as shown on the form
}

/** The box this person already holds in this round, if it is another one than `wants`. */
export function slotConflict(person: string, wants: FormSlot, holders: readonly SlotHolder[]): SlotHolder | null {
  return holders.find((h) => h.person === person && h.slot !== wants) ?? null;
}

export function slotConflictMessage(held: SlotHolder, wants: FormSlot): string {
  return `同一人不能在同一份审批表中担任两个角色：您已作为「${formSlotLabel[held.slot]}」签署此稿件，不能再作为「${formSlotLabel[wants]}」（请由他人办理）`;
}
