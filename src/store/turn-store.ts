import { type MessageId, newId } from '../protocol/index.js';
import type { Database, Queryable } from './database.js';
import { titleFrom } from './title-from.js';
import type { AdmissionResult, TurnAdmission, TurnRefusal } from './turn-admission.js';

interface Verdict {
  refused: TurnRefusal | null;
  documents: number;
  answered_id: MessageId | null;
  answered_text: string | null;
}

// One statement checks and writes it all: its parts see one snapshot, and every write reads from `admitted`,
// which has a row only when no check refused. The checks' order in `verdict` is the order of the refusals.
const ADMIT_SQL = `
  with last_two as (
    -- Only a regeneration looks back: the newest user/assistant messages say what it answers and replaces.
    select id, role, status, content, row_number() over (order by seq desc) as n
    from (select id, role, status, content, seq from messages
          where conversation_id = $3 and role in ('user', 'assistant') and $2 = 'regenerate'
          order by seq desc limit 2) newest
  ), answered as (
    select id, content from last_two
    where role = 'user' and (n = 1 or (select role from last_two where n = 1) = 'assistant')
  ), checks as (
    select (select count(*)::int from runs where status = 'running' and user_id = $1) as running,
           (select count(*)::int from documents where user_id = $1) as documents,
           $4::boolean or exists (select 1 from conversations where id = $3 and user_id = $1) as found,
           (select count(*)::int from messages where conversation_id = $3) as messages,
           (select id from last_two where n = 1) as newest_id,
           (select role from last_two where n = 1) as newest_role,
           (select status from last_two where n = 1) as newest_status,
           (select id from answered) as answered_id,
           (select content from answered) as answered_text
  ), verdict as (
    select checks.*, case
      when running >= $13 then 'too_many_runs'
      when not found then 'conversation_not_found'
      -- A message adds two; a regeneration replaces the newest answer, adding one only after a newest user message.
      when messages + case when $2 = 'message' then 2 when newest_role = 'user' then 1 else 0 end > $14
        then 'conversation_full'
      when $2 = 'regenerate' and newest_role = 'assistant' and newest_status = 'streaming'
        then 'answer_in_progress'
      when $2 = 'regenerate' and answered_id is null then 'nothing_to_regenerate'
    end as refused
    from checks
  ), admitted as (
    select * from verdict where refused is null
  ), opened as (
    insert into conversations (id, title, user_id) select $3, $5, $1 from admitted where $4::boolean
  ), touched as (
    update conversations set updated_at = now()
    where id = $3 and user_id = $1 and not $4::boolean and exists (select 1 from admitted)
  ), replaced as (
    delete from messages where id = (select newest_id from admitted where newest_role = 'assistant')
  ), turn_messages as (
    -- The user's message first, so it sorts first; a regeneration adds only the answer.
    insert into messages (id, conversation_id, role, content, status, model, run_id)
    select m.id, m.conversation_id, m.role, m.content, m.status, m.model, m.run_id
    from admitted, (values
      (1, $7, $3, 'user', $6, 'complete', null, null),
      (2, $8, $3, 'assistant', '', 'streaming', $9, $10)
    ) as m (n, id, conversation_id, role, content, status, model, run_id)
    where $2 = 'message' or m.role = 'assistant'
    order by m.n
  ), run as (
    insert into runs (id, conversation_id, message_id, status, instance_id, lease_until, user_id)
    select $10, $3, $8, 'running', $11, now() + make_interval(secs => $12), $1 from admitted
  ), session as (
    insert into legacy_sessions (id, conversation_id, user_id)
    select $15, $3, $1 from admitted where $15::text is not null
    on conflict (user_id, id) do update set conversation_id = excluded.conversation_id
  )
  select refused, documents, answered_id, answered_text from verdict`;

/** Admits turns: the hot path of every chat, new messages and regenerations alike. */
export class TurnStore {
  constructor(private readonly db: Database) {}

  /**
   * Checks and, when every check passes, stores the turn: the conversation (opened or touched), the user message
   * (a message turn) and an empty `streaming` assistant message, in place of the last answer for a regeneration,
   * the run row and the session link. A refused turn writes nothing and comes back as `{ refused }`.
   *
   * PGlite runs statements one at a time, so the one statement is atomic there; on PostgreSQL it runs behind a
   * per-user lock, so the same user's simultaneous turns on any instance cannot share the last run slot.
   */
  async admit(admission: TurnAdmission): Promise<AdmissionResult> {
    const message = admission.kind === 'message' ? admission : undefined;
    const newConversation = admission.conversationId === undefined;
    const conversationId = admission.conversationId ?? newId('conversation');
    const userMessageId = newId('message');
    const assistantMessageId = newId('message');
    const params = [
      admission.userId,
      admission.kind,
      conversationId,
      newConversation,
      message ? titleFrom(message.text) : null,
      message?.text ?? null,
      userMessageId,
      assistantMessageId,
      admission.model,
      admission.runId,
      admission.instanceId,
      admission.leaseMs / 1000,
      admission.maxConcurrentRuns,
      admission.maxMessages,
      admission.sessionKey ?? null,
    ];
    const [verdict] =
      this.db.engine === 'postgres'
        ? await this.db.transaction(async (tx) => {
            await lockUserTurns(tx, admission.userId);
            return tx.query<Verdict>(ADMIT_SQL, params);
          })
        : await this.db.query<Verdict>(ADMIT_SQL, params);
    if (!verdict) throw new Error('the admission statement returned no row');
    if (verdict.refused) return { refused: verdict.refused };
    return {
      turn: {
        conversationId,
        userMessageId: message ? userMessageId : required(verdict.answered_id),
        assistantMessageId,
        newConversation,
        documentCount: verdict.documents,
        userText: message ? message.text : required(verdict.answered_text),
      },
    };
  }
}

/**
 * PostgreSQL: makes the same user's other turns (on any instance) wait until this transaction ends, so the
 * run-slot count and the run inserted after it cannot be raced. The statement's snapshot is taken after the lock,
 * so it sees the runs of the turns admitted before it.
 */
async function lockUserTurns(tx: Queryable, userId: string): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`turn:${userId}`]);
}

function required<T>(value: T | null): T {
  if (value === null) throw new Error('an admitted regeneration names no user message');
  return value;
}
