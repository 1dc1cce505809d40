// Who an audit actor is, in the words of the screen: a person's name, never an account code.
// Read once, kept for half a minute (names change rarely; every page shows many).
import type { SqlReader } from "./sql.js";

type Who = { name: string; rank: string | null };

export class ActorNames {
  private names: { at: number; users: Map<string, Who>; people: Map<string, Who> } | null = null;

  constructor(private readonly sql: SqlReader) {}

  who(actor: string): Who {
    if (!this.names || Date.now() - this.names.at > 30_000) {
      const users = new Map(
        this.sql.all<{ username: string; displayName: string; rank: string | null }>(`SELECT u.username, u.displayName, p.leaderRank AS rank FROM User u LEFT JOIN Person p ON p.id = u.personId`).map((u) => [u.username, { name: u.displayName, rank: u.rank }]),
      );
      const people = new Map(this.sql.all<{ email: string; name: string; rank: string | null }>(`SELECT email, name, leaderRank AS rank FROM Person WHERE email IS NOT NULL`).map((p) => [p.email.toLowerCase(), { name: p.name, rank: p.rank }]));
      this.names = { at: Date.now(), users, people };
    }
    const [kind, ...rest] = actor.split(":");
    const id = rest.join(":");
    if (kind === "user") return this.names.users.get(id) ?? { name: `账号 ${id}`, rank: null };
    if (kind === "email") return this.names.people.get(id.toLowerCase()) ?? { name: id, rank: null };
    if (kind === "cli") return { name: "命令行", rank: null };
    if (actor === "system:demo") return { name: "演示数据", rank: null };
    return { name: "网关（自动）", rank: null };
  }

  nameOf = (actor: string): string => this.who(actor).name;
  /** director | deputy_director: which 批示 box of the 审批表 a leader's opinion belongs in. */
  rankOf = (actor: string): string | null => this.who(actor).rank;
}
