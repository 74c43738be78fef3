import { type ConversationId, type MessageId, newId } from '../protocol/index.js';
import type { Database, Prepared } from './database.js';
import { GroupCommit } from './group-commit.js';
import { titleFrom } from './title-from.js';
import type { AdmissionResult, TurnAdmission, TurnRefusal } from './turn-admission.js';

interface Verdict {
  k: number;
  refused: TurnRefusal | null;
  documents: number;
  answered_id: MessageId | null;
  answered_text: string | null;
}

/** An admission with the ids it will be stored under. */
interface Planned {
  admission: TurnAdmission;
  conversationId: ConversationId;
  newConversation: boolean;
  userMessageId: MessageId;
  assistantMessageId: MessageId;
}

/**
 * The turns of one batch, checked and, when every check passes, written, in one statement. Each turn is one row
 * of the input arrays; its checks see the statement's snapshot, and every write reads from `admitted`, which
 * holds only the turns no check refused.
 *
 * Run slots are exact without a lock held across statements: `user_runs` counts each user's running runs, and
 * the batch's claim on it is one upsert per user, which PostgreSQL applies to the row's latest committed count
 * (concurrent claims on one user wait for each other's statement, and re-check the limit). The update reads
 * its old count while it writes the new one, so `last_grant` hands back how many slots it granted; the turns of
 * that user take them in batch order.
 */
const ADMIT_SQL = `
  with input as (
    select * from unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[])
      with ordinality as t(kind, user_id, conversation_id, new_conversation, title, text, user_message_id,
                           assistant_message_id, model, run_id, session_key, k)
  ), looked as (
    select i.*,
      i.new_conversation or exists (select 1 from conversations c where c.id = i.conversation_id and c.user_id = i.user_id)
        as found,
      case when i.new_conversation then 0
           else (select count(*)::int from messages m where m.conversation_id = i.conversation_id) end as messages,
      (select count(*)::int from documents d where d.user_id = i.user_id) as documents,
      coalesce((select u.running from user_runs u where u.user_id = i.user_id), 0) as running,
      newest.id as newest_id, newest.role as newest_role, newest.status as newest_status,
      answered.id as answered_id, answered.content as answered_text
    from input i
    -- Only a regeneration looks back: the newest user/assistant message is what it replaces, and the user
    -- message it answers is that one or the one before it.
    left join lateral (
      select m.id, m.role, m.status from messages m
      where i.kind = 'regenerate' and m.conversation_id = i.conversation_id and m.role in ('user', 'assistant')
      order by m.seq desc limit 1
    ) newest on true
    left join lateral (
      select two.id, two.content from (
        select m.id, m.role, m.content, row_number() over (order by m.seq desc) as n from messages m
        where i.kind = 'regenerate' and m.conversation_id = i.conversation_id and m.role in ('user', 'assistant')
        order by m.seq desc limit 2
      ) two
      where two.role = 'user' and (two.n = 1 or newest.role = 'assistant')
      order by two.n limit 1
    ) answered on true
  ), judged as (
    select l.*, case
        when not l.found then 'conversation_not_found'
        -- A message adds two; a regeneration replaces the newest answer, adding one only after a user message.
        when l.messages + case when l.kind = 'message' then 2 when l.newest_role = 'user' then 1 else 0 end > $14
          then 'conversation_full'
        when l.kind = 'regenerate' and l.newest_role = 'assistant' and l.newest_status = 'streaming'
          then 'answer_in_progress'
        when l.kind = 'regenerate' and l.answered_id is null then 'nothing_to_regenerate'
      end as reason
    from looked l
  ), ranked as (
    -- Of the turns that would be admitted, how many of the same user come before this one in the batch.
    select j.*, count(*) filter (where j.reason is null)
        over (partition by j.user_id order by j.k rows between unbounded preceding and 1 preceding) as before
    from judged j
  ), wanted as (
    select user_id, count(*)::int as n from ranked where reason is null group by user_id
  ), granted as (
    insert into user_runs as u (user_id, running, last_grant)
    select user_id, least(n, $12), least(n, $12) from wanted
    on conflict (user_id) do update
      set running = u.running + least(excluded.last_grant, $12 - u.running),
          last_grant = least(excluded.last_grant, $12 - u.running)
      where u.running < $12
    returning u.user_id, u.last_grant
  ), verdict as (
    select r.*, case
        when r.reason is null and r.before < coalesce(g.last_grant, 0) then null
        -- Refused for the run slots first, as a turn alone would be.
        when r.reason is null or r.running + r.before >= $12 then 'too_many_runs'
        else r.reason
      end as refused
    from ranked r left join granted g on g.user_id = r.user_id
  ), admitted as (
    select * from verdict where refused is null
  ), opened as (
    insert into conversations (id, title, user_id)
    select conversation_id, title, user_id from admitted where new_conversation
  ), touched as (
    update conversations c set updated_at = now()
    from admitted a where not a.new_conversation and c.id = a.conversation_id
  ), replaced as (
    delete from messages m using admitted a
    where a.kind = 'regenerate' and a.newest_role = 'assistant' and m.id = a.newest_id
  ), turn_messages as (
    -- The user's message first, so it sorts first; a regeneration adds only the answer.
    insert into messages (id, conversation_id, role, content, status, model, run_id)
    select m.id, m.conversation_id, m.role, m.content, m.status, m.model, m.run_id
    from admitted a cross join lateral (values
        (1, a.user_message_id, a.conversation_id, 'user', a.text, 'complete', null::text, null::text),
        (2, a.assistant_message_id, a.conversation_id, 'assistant', '', 'streaming', a.model, a.run_id)
      ) as m (n, id, conversation_id, role, content, status, model, run_id)
    where a.kind = 'message' or m.n = 2
    order by a.k, m.n
  ), run as (
    insert into runs (id, conversation_id, message_id, status, instance_id, lease_until, user_id)
    select run_id, conversation_id, assistant_message_id, 'running', $13, now() + make_interval(secs => $15), user_id
    from admitted
  ), session as (
    insert into legacy_sessions (id, conversation_id, user_id)
    select session_key, conversation_id, user_id from admitted where session_key is not null
    on conflict (user_id, id) do update set conversation_id = excluded.conversation_id
  )
  select k::int as k, refused, documents, answered_id, answered_text from verdict order by k`;

/**
 * Admits turns, new messages and regenerations alike, through one statement: the hot path of every chat. The
 * turns asked for in one event-loop turn share that statement (group commit), prepared once.
 */
export class TurnStore {
  readonly #admit: Prepared<Verdict>;
  readonly #batches = new GroupCommit<Planned, AdmissionResult>({
    run: (batch) => this.#run(batch),
    conflicts: conflicting,
  });

  constructor(db: Database) {
    this.#admit = db.prepare<Verdict>('admit_turns', ADMIT_SQL);
  }

  /**
   * Checks and, when every check passes, stores the turn: the conversation (opened or touched), the user message
   * (a message turn) and an empty `streaming` assistant message, in place of the last answer for a regeneration,
   * the run row, its run slot and the session link. A refused turn writes nothing and comes back as `{ refused }`.
   */
  admit(admission: TurnAdmission): Promise<AdmissionResult> {
    const conversationId = admission.conversationId ?? newId('conversation');
    return this.#batches.submit({
      admission,
      conversationId,
      newConversation: admission.conversationId === undefined,
      userMessageId: newId('message'),
      assistantMessageId: newId('message'),
    });
  }

  async #run(batch: readonly Planned[]): Promise<AdmissionResult[]> {
    const column = <T>(pick: (p: Planned, message: string | undefined) => T) =>
      batch.map((p) => pick(p, p.admission.kind === 'message' ? p.admission.text : undefined));
    const first = batch[0]?.admission;
    if (!first) return [];
    const verdicts = await this.#admit([
      column((p) => p.admission.kind),
      column((p) => p.admission.userId),
      column((p) => p.conversationId),
      column((p) => p.newConversation),
      column((_, text) => (text === undefined ? null : titleFrom(text))),
      column((_, text) => text ?? null),
      column((p) => p.userMessageId),
      column((p) => p.assistantMessageId),
      column((p) => p.admission.model),
      column((p) => p.admission.runId),
      column((p) => p.admission.sessionKey ?? null),
      first.maxConcurrentRuns,
      first.instanceId,
      first.maxMessages,
      first.leaseMs / 1000,
    ]);
    return batch.map((p, i) => {
      // One row per turn, in the order of the input (`k` counts from 1).
      const verdict = verdicts[i];
      if (verdict?.k !== i + 1) throw new Error('the admission statement returned no row for a turn');
      if (verdict.refused) return { refused: verdict.refused };
      const message = p.admission.kind === 'message' ? p.admission : undefined;
      return {
        turn: {
          conversationId: p.conversationId,
          userMessageId: message ? p.userMessageId : required(verdict.answered_id),
          assistantMessageId: p.assistantMessageId,
          newConversation: p.newConversation,
          documentCount: verdict.documents,
          userText: message ? message.text : required(verdict.answered_text),
        },
      };
    });
  }
}

/**
 * Turns that cannot share a statement: two of one conversation (each must see the other's messages), two
 * linking the same session, or two asked with different limits or leases (a statement has one of each).
 */
function conflicting(p: Planned, batch: readonly Planned[]): boolean {
  const a = p.admission;
  return batch.some((q) => {
    const b = q.admission;
    return (
      (!p.newConversation && q.conversationId === p.conversationId) ||
      (a.sessionKey !== undefined && a.sessionKey === b.sessionKey && a.userId === b.userId) ||
      a.maxConcurrentRuns !== b.maxConcurrentRuns ||
      a.maxMessages !== b.maxMessages ||
      a.instanceId !== b.instanceId ||
      a.leaseMs !== b.leaseMs
    );
  });
}

function required<T>(value: T | null): T {
  if (value === null) throw new Error('an admitted regeneration names no user message');
  return value;
}
