/**
 * Runs a conversation on a running server, over its chat WebSocket, as any chat client would: the
 * deployed flow, the deployed classifier (OpenAI included when the server is configured for it). What
 * a turn did is read from three places: the bot's messages, where it waits and whether it ended from
 * the frames; the classifications and the blocks entered from the conversation's history (admin API);
 * the variables, which the server does not expose, from a lockstep replay of the turn in this process
 * (history-replay.ts).
 *
 * A server cannot be pinned: a pinned step's intent is not given to the server, it is checked as an
 * expectation (what the deployed classifier answered). A broken channel (a refused connection, an
 * `error` frame, a close, no answer within the turn's time) is a ChannelError.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { HistoryEvent } from '../engine/index.ts';
import type { AdminClient } from './admin-client.ts';
import { turnEventsOf } from './branches.ts';
import { ChannelError } from './channel-error.ts';
import { LockstepReplay, ServerHistory } from './history-replay.ts';
import type { ConversationDriver, ObservedMessage, ObservedTurn, TurnInput } from './observed.ts';
import type { ServerFlow, ServerFlows } from './server-flows.ts';
import { type Deadline, deadlineIn, FrameChannel, timeLeft } from './ws-channel.ts';

export interface ServerDriverOptions {
  /** The chat's endpoint: ws(s)://host[:port][/prefix]/ws. */
  chatUrl: string;
  admin: AdminClient;
  flows: ServerFlows;
  /** How long the bot may take over one turn (connecting included), and each read of the admin API. */
  turnTimeoutMs: number;
}

/** The frames of one bot turn. */
interface BotTurn {
  bot: ObservedMessage[];
  at: string | null;
  ended: boolean;
}

/** A message refused as RATE_LIMITED was not processed: it is sent again, later, within the turn's time. */
const RATE_LIMIT_BACKOFF = { firstMs: 100, maxMs: 1_000 } as const;

/** The parts of a conversation that exist once its first frame has arrived. */
interface Session {
  channel: FrameChannel;
  flow: ServerFlow;
  history: ServerHistory;
  replay: LockstepReplay;
}

export class ServerDriver implements ConversationDriver {
  readonly #options: ServerDriverOptions;
  #channel: FrameChannel | undefined;
  #session: Session | undefined;
  #sent = 0;

  constructor(options: ServerDriverOptions) {
    this.#options = options;
  }

  async start(): Promise<ObservedTurn> {
    const deadline = deadlineIn(this.#options.turnTimeoutMs);
    const channel = await FrameChannel.open(this.#options.chatUrl, deadline);
    this.#channel = channel;
    const first = await channel.next(deadline, 'the conversation to start');
    if (first.type === 'error') {
      throw new ChannelError(`the server refused to start a conversation: ${first.code}: ${first.message}`);
    }
    if (first.type !== 'conversation') {
      throw new ChannelError(`the server's first frame is "${first.type}", not "conversation"`);
    }
    const frames = await this.#botTurn(deadline, "the bot's opening turn");
    const flow = await this.#options.flows.version(first.flowVersion);
    this.#session = {
      channel,
      flow,
      history: new ServerHistory(this.#options.admin, first.conversationId),
      replay: new LockstepReplay(flow.compiled),
    };
    return this.#observe(frames, (replay, events) => replay.start(events));
  }

  async send(input: TurnInput): Promise<ObservedTurn> {
    const session = this.#session;
    if (!session) throw new Error('send() before start()');
    this.#sent += 1;
    const deadline = deadlineIn(this.#options.turnTimeoutMs);
    // A clientMessageId makes a resend (after RATE_LIMITED) harmless: the server never processes it twice.
    const frame = { type: 'message', text: input.text, clientMessageId: `test-${this.#sent}` };
    session.channel.send(frame);
    const frames = await this.#botTurn(deadline, `the reply to ${JSON.stringify(input.text)}`, () =>
      session.channel.send(frame),
    );
    return this.#observe(frames, (replay, events) => replay.send(input.text, events));
  }

  async close(): Promise<void> {
    await this.#channel?.close();
  }

  /** The frames up to the bot's `waiting` or `end`. */
  async #botTurn(deadline: Deadline, what: string, resend?: () => void): Promise<BotTurn> {
    const channel = this.#channel as FrameChannel;
    const bot: ObservedMessage[] = [];
    let backoff: number = RATE_LIMIT_BACKOFF.firstMs;
    for (;;) {
      const frame = await channel.next(deadline, what);
      switch (frame.type) {
        case 'message':
          if (!frame.replayed)
            bot.push({ text: frame.text, ...(frame.options ? { options: frame.options } : {}) });
          break;
        case 'waiting':
          return { bot, at: frame.blockId, ended: false };
        case 'end':
          return { bot, at: null, ended: true };
        case 'error':
          if (frame.code !== 'RATE_LIMITED' || !resend) {
            throw new ChannelError(
              `the server answered with the error ${frame.code} (${frame.message}) while the run waited for ${what}`,
            );
          }
          await delay(Math.max(0, Math.min(backoff, timeLeft(deadline))));
          backoff = Math.min(backoff * 2, RATE_LIMIT_BACKOFF.maxMs);
          resend();
          break;
        default:
        // typing, ack: nothing a test checks.
      }
    }
  }

  async #observe(
    frames: BotTurn,
    replayTurn: (replay: LockstepReplay, events: HistoryEvent[]) => Promise<Record<string, string>>,
  ): Promise<ObservedTurn> {
    const { history, replay, flow } = this.#session as Session;
    const events = await history.sinceLastCall();
    const { blocks, classifications } = turnEventsOf(events, flow.flow);
    const { bot, at, ended } = frames;
    // In ObservedTurn's order, as the engine driver: the --json transcript prints the fields so.
    return { bot, classifications, at, ended, vars: await replayTurn(replay, events), blocks };
  }
}
